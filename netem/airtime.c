/* airtime.c: 802.11ac airtime math and the shared-channel scheduler (see airtime.h). Timing values from
 * IEEE 802.11-2016 (VHT PHY, 5 GHz OFDM): slot 9 µs, SIFS 16 µs, DIFS = SIFS + 2 slots, legacy preamble
 * 20 µs, VHT preamble 40 µs for one stream, 4 µs symbols; ACK 14 bytes / BlockAck 32 bytes at 24 Mbit/s. */
#include "airtime.h"
#include <math.h>

#define MAX_TRANSMITTERS 256
#define MAX_INFLIGHT 64
#define STATION_QUEUE_LIMIT 1000
#define AP_QUEUE_LIMIT 2000
#define ETH_HEADER 14

void air_profile_80211ac(AirProfile *p)
{
  p->slot_ns = 9000;
  p->sifs_ns = 16000;
  p->preamble_ns = 40000;
  p->symbol_ns = 4000;
  p->legacy_preamble_ns = 20000;
  p->legacy_symbol_ns = 4000;
  p->cw_min = 15;
  p->cw_max = 1023;
  p->retry_limit = 7;
  p->basic_rate_bps = 24000000;
  p->mpdu_overhead = 26 + 4 + 8; /* QoS data header, FCS, LLC/SNAP */
  p->ampdu_delimiter = 4;
  p->ampdu_max_bytes = 65535;
}

void air_station_config_init(AirStationConfig *cfg)
{
  cfg->phy_rate_bps = 433300000; /* 802.11ac, 1 stream, 80 MHz, MCS 9 */
  cfg->per = 0;
  cfg->max_ampdu = 32;
  cfg->has_position = FALSE;
  cfg->x_m = cfg->y_m = 0;
}

static guint64 symbols_ns(guint64 rate_bps, guint32 symbol_ns, guint64 bits)
{
  /* bits per symbol = rate * symbol duration; round the symbol count up. */
  double bits_per_symbol = (double)rate_bps * symbol_ns / 1e9;
  if (bits_per_symbol < 1)
    bits_per_symbol = 1;
  return (guint64)ceil((double)bits / bits_per_symbol) * symbol_ns;
}

guint64 airtime_ppdu_ns(const AirProfile *p, guint64 rate_bps, guint32 psdu_bytes)
{
  guint64 bits = 16 + 8ULL * psdu_bytes + 6; /* SERVICE field, PSDU, tail */
  return p->preamble_ns + symbols_ns(rate_bps, p->symbol_ns, bits);
}

guint64 airtime_legacy_ppdu_ns(const AirProfile *p, guint64 rate_bps, guint32 bytes)
{
  guint64 bits = 16 + 8ULL * bytes + 6;
  return p->legacy_preamble_ns + symbols_ns(rate_bps, p->legacy_symbol_ns, bits);
}

static guint64 mean_backoff_ns(const AirProfile *p, guint retry)
{
  guint64 cw = ((guint64)p->cw_min + 1) << (retry > 10 ? 10 : retry);
  if (cw > (guint64)p->cw_max + 1)
    cw = (guint64)p->cw_max + 1;
  return (cw - 1) * p->slot_ns / 2;
}

static guint32 mpdu_bytes(const AirProfile *p, guint32 eth_len)
{
  guint32 payload = eth_len > ETH_HEADER ? eth_len - ETH_HEADER : 0;
  return payload + p->mpdu_overhead;
}

guint64 airtime_exchange_ns(const AirProfile *p, guint64 rate_bps, const guint32 *lens, guint n, guint retry,
                            gboolean group)
{
  guint64 difs = p->sifs_ns + 2ULL * p->slot_ns;
  guint64 access = difs + mean_backoff_ns(p, retry);
  if (group)
    return access + airtime_legacy_ppdu_ns(p, p->basic_rate_bps, mpdu_bytes(p, lens[0]));
  guint32 psdu = 0;
  if (n == 1) {
    psdu = mpdu_bytes(p, lens[0]);
  } else {
    for (guint i = 0; i < n; i++)
      psdu += (p->ampdu_delimiter + mpdu_bytes(p, lens[i]) + 3) & ~3u;
  }
  guint32 ack_bytes = n == 1 ? 14 : 32;
  return access + airtime_ppdu_ns(p, rate_bps, psdu) + p->sifs_ns +
         airtime_legacy_ppdu_ns(p, p->basic_rate_bps, ack_bytes);
}

double airtime_saturated_goodput_bps(const AirProfile *p, guint64 rate_bps, guint32 frame_len, guint n)
{
  guint32 lens[MAX_INFLIGHT];
  if (n > MAX_INFLIGHT)
    n = MAX_INFLIGHT;
  for (guint i = 0; i < n; i++)
    lens[i] = frame_len;
  guint64 t = airtime_exchange_ns(p, rate_bps, lens, n, 0, FALSE);
  return n * (double)(frame_len - ETH_HEADER) * 8 / (t / 1e9);
}

void path_loss_default(PathLossModel *m)
{
  m->exponent = 3.0;
  m->tx_power_dbm = 20.0;
  m->noise_dbm = -89.0;
}

double path_loss_snr_db(const PathLossModel *m, double distance_m)
{
  const double pl_1m = 46.7; /* free-space loss at 1 m, 5.18 GHz */
  double d = distance_m < 1.0 ? 1.0 : distance_m;
  double pl = pl_1m + 10.0 * m->exponent * log10(d);
  return m->tx_power_dbm - pl - m->noise_dbm;
}

/* PER of an MPDU at `margin` dB above the MCS's 10%-PER SNR: a logistic curve, ~0.5% at +2 dB, ~70% at -2 dB. */
static double per_at_margin(double margin_db)
{
  return 1.0 / (1.0 + 9.0 * exp(1.5 * margin_db));
}

void airtime_rate_for_snr(double snr_db, guint64 *rate_bps, double *per)
{
  /* VHT, 1 stream, 80 MHz, long GI, MCS 0..9; SNR for 10% PER. */
  static const double rate_mbit[] = {29.3, 58.5, 87.8, 117.0, 175.5, 234.0, 263.3, 292.5, 351.0, 390.0};
  static const double snr_10pct[] = {2, 5, 9, 11, 15, 18, 20, 25, 29, 31};
  double best = -1;
  for (gsize k = 0; k < G_N_ELEMENTS(rate_mbit); k++) {
    double e = per_at_margin(snr_db - snr_10pct[k]);
    double goodput = rate_mbit[k] * (1 - e);
    if (goodput > best) {
      best = goodput;
      *rate_bps = (guint64)(rate_mbit[k] * 1e6);
      *per = e;
    }
  }
}

/* ---- the channel ---- */

typedef struct {
  GQueue queue; /* Packet*, time_to_send_ns = arrival in this queue */
  GQueue ap_queue; /* the AP's downlink frames for this station (per-station queues, as mac80211's TXQs) */
  guint64 airtime_ns;
  AirStationConfig cfg;
} Transmitter;

struct Channel {
  AirProfile profile;
  double tdf;
  Rng rng;
  Transmitter tx[MAX_TRANSMITTERS]; /* 0 = the AP */
  guint rr;                          /* round-robin cursor over transmitters */
  guint ap_rr;                       /* the AP's round-robin cursor over destinations */
  guint ap_queued;
  guint64 free_at;                   /* the channel is busy until then */
  gboolean busy;
  guint current;
  Packet *inflight[MAX_INFLIGHT];
  gboolean inflight_ok[MAX_INFLIGHT];
  guint n_inflight;
  guint64 busy_total_ns;
};

Channel *channel_new(const AirProfile *profile, guint64 seed, double tdf)
{
  Channel *ch = g_new0(Channel, 1);
  ch->profile = *profile;
  ch->tdf = tdf > 0 ? tdf : 1.0;
  rng_seed(&ch->rng, seed);
  for (guint i = 0; i < MAX_TRANSMITTERS; i++) {
    g_queue_init(&ch->tx[i].queue);
    g_queue_init(&ch->tx[i].ap_queue);
    air_station_config_init(&ch->tx[i].cfg);
  }
  return ch;
}

void channel_free(Channel *ch)
{
  for (guint i = 0; i < MAX_TRANSMITTERS; i++) {
    Packet *p;
    while ((p = g_queue_pop_head(&ch->tx[i].queue)))
      packet_free(p);
    while ((p = g_queue_pop_head(&ch->tx[i].ap_queue)))
      packet_free(p);
  }
  for (guint i = 0; i < ch->n_inflight; i++)
    packet_free(ch->inflight[i]);
  g_free(ch);
}

void channel_configure_station(Channel *ch, guint16 id, const AirStationConfig *cfg)
{
  if (id > 0 && id < MAX_TRANSMITTERS)
    ch->tx[id].cfg = *cfg;
}

const AirStationConfig *channel_station_config(Channel *ch, guint16 id)
{
  return &ch->tx[id < MAX_TRANSMITTERS ? id : 0].cfg;
}

/* The queue a frame from transmitter t waits in. */
static GQueue *queue_of(Channel *ch, guint t, const Packet *p)
{
  return t == 0 ? &ch->tx[p->dst].ap_queue : &ch->tx[t].queue;
}

static gboolean push(Channel *ch, guint t, Packet *p, guint64 at)
{
  GQueue *q = queue_of(ch, t, p);
  if (q->length >= (t == 0 ? AP_QUEUE_LIMIT : STATION_QUEUE_LIMIT))
    return FALSE;
  p->time_to_send_ns = at;
  g_queue_push_tail(q, p);
  if (t == 0)
    ch->ap_queued++;
  return TRUE;
}

/* The head frame transmitter t would send next (for the AP: round-robin over its per-station queues). */
static GQueue *head_queue(const Channel *ch, guint t)
{
  Channel *mch = (Channel *)ch;
  if (t != 0)
    return mch->tx[t].queue.length ? &mch->tx[t].queue : NULL;
  if (!ch->ap_queued)
    return NULL;
  for (guint k = 0; k < MAX_TRANSMITTERS; k++) {
    guint d = (ch->ap_rr + k) % MAX_TRANSMITTERS;
    if (ch->tx[d].ap_queue.length)
      return &mch->tx[d].ap_queue;
  }
  return NULL;
}

gboolean channel_enqueue(Channel *ch, Packet *p, guint64 now_ns)
{
  if (p->src == 0 || p->src >= MAX_TRANSMITTERS)
    return FALSE;
  p->retries = 0;
  return push(ch, p->src, p, now_ns);
}

guint64 channel_next_time(const Channel *ch)
{
  if (ch->busy)
    return ch->free_at;
  guint64 next = G_MAXUINT64;
  for (guint i = 0; i < MAX_TRANSMITTERS; i++) {
    GQueue *q = head_queue(ch, i);
    const Packet *head = q ? q->head->data : NULL;
    if (head) {
      guint64 t = head->time_to_send_ns > ch->free_at ? head->time_to_send_ns : ch->free_at;
      if (t < next)
        next = t;
    }
  }
  return next;
}

/* The station whose radio link a frame from transmitter t crosses: the sender on the uplink, the receiver on
 * the downlink. */
static const AirStationConfig *radio_link(Channel *ch, guint t, const Packet *p)
{
  return &ch->tx[t == 0 ? p->dst : t].cfg;
}

static void start_exchange(Channel *ch, guint t, guint64 start)
{
  Transmitter *tx = &ch->tx[t];
  GQueue *queue = head_queue(ch, t);
  Packet *head = g_queue_peek_head(queue);
  if (t == 0)
    ch->ap_rr = (head->dst + 1) % MAX_TRANSMITTERS;
  const AirStationConfig *cfg = radio_link(ch, t, head);
  guint32 lens[MAX_INFLIGHT];
  guint n = 0;
  guint32 bytes = 0;
  guint max = head->group ? 1 : MAX(1, MIN(cfg->max_ampdu, MAX_INFLIGHT));
  GList *l = queue->head;
  while (l && n < max) {
    Packet *p = l->data;
    if (n > 0 && (p->group || p->dst != head->dst || p->time_to_send_ns > start))
      break;
    guint32 sub = mpdu_bytes(&ch->profile, p->len) + ch->profile.ampdu_delimiter + 3;
    if (n > 0 && bytes + sub > ch->profile.ampdu_max_bytes)
      break;
    bytes += sub;
    lens[n] = p->len;
    ch->inflight[n] = p;
    n++;
    l = l->next;
  }
  for (guint i = 0; i < n; i++) {
    g_queue_pop_head(queue);
    if (t == 0)
      ch->ap_queued--;
    ch->inflight_ok[i] = rng_uniform(&ch->rng) >= cfg->per;
  }
  guint64 duration = airtime_exchange_ns(&ch->profile, cfg->phy_rate_bps, lens, n, head->retries, head->group);
  duration = (guint64)llround(duration * ch->tdf);
  ch->n_inflight = n;
  ch->current = t;
  ch->busy = TRUE;
  ch->free_at = start + duration;
  tx->airtime_ns += duration;
  ch->busy_total_ns += duration;
}

static void finish_exchange(Channel *ch, const ChannelCallbacks *cb, void *ud)
{
  guint t = ch->current;
  guint64 end = ch->free_at;
  /* Failed MPDUs go back to the head of the queue in their original order. */
  for (guint k = ch->n_inflight; k-- > 0;) {
    Packet *p = ch->inflight[k];
    if (ch->inflight_ok[k])
      continue;
    if (p->group || p->retries >= ch->profile.retry_limit) {
      cb->drop(ud, p, p->group ? DROP_LOSS : DROP_RETRY);
      continue;
    }
    p->retries++;
    cb->retry(ud, p);
    g_queue_push_head(queue_of(ch, t, p), p);
    if (t == 0)
      ch->ap_queued++;
  }
  for (guint k = 0; k < ch->n_inflight; k++) {
    Packet *p = ch->inflight[k];
    if (!ch->inflight_ok[k])
      continue;
    if (t != 0) {
      p->retries = 0;
      if (!push(ch, 0, p, end))
        cb->drop(ud, p, DROP_LIMIT);
    } else {
      cb->deliver(ud, p, end);
    }
  }
  ch->n_inflight = 0;
  ch->busy = FALSE;
}

/* Next transmitter in round-robin order whose head frame has arrived by `at`. */
static gboolean pick(Channel *ch, guint64 at, guint *t)
{
  for (guint k = 0; k < MAX_TRANSMITTERS; k++) {
    guint i = (ch->rr + k) % MAX_TRANSMITTERS;
    GQueue *q = head_queue(ch, i);
    Packet *head = q ? q->head->data : NULL;
    if (head && head->time_to_send_ns <= at) {
      *t = i;
      ch->rr = (i + 1) % MAX_TRANSMITTERS;
      return TRUE;
    }
  }
  return FALSE;
}

void channel_run(Channel *ch, guint64 now_ns, const ChannelCallbacks *cb, void *ud)
{
  for (;;) {
    if (ch->busy) {
      if (ch->free_at > now_ns)
        return;
      finish_exchange(ch, cb, ud);
    }
    guint64 start = channel_next_time(ch);
    if (start == G_MAXUINT64 || start > now_ns)
      return;
    guint t;
    if (!pick(ch, start, &t))
      return;
    start_exchange(ch, t, start);
  }
}

guint64 channel_airtime_ns(const Channel *ch, guint16 id)
{
  return id < MAX_TRANSMITTERS ? ch->tx[id].airtime_ns : 0;
}

guint64 channel_busy_ns(const Channel *ch)
{
  return ch->busy_total_ns;
}

guint channel_queue_length(const Channel *ch, guint16 id)
{
  if (id == 0)
    return ch->ap_queued;
  return id < MAX_TRANSMITTERS ? ch->tx[id].queue.length : 0;
}
