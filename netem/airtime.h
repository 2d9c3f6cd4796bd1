/* airtime.h: 802.11 airtime accounting (as wmediumd / ns-3 count it) and the shared channel scheduler.
 *
 * Every frame exchange costs DIFS + mean backoff (CW/2 slots, CW doubling on each retry) + PHY preamble +
 * data symbols + SIFS + (Block)ACK at the basic rate.  All stations reach each other through an AP, so a
 * device-to-device frame is sent twice: uplink (station -> AP) and downlink (AP -> station).  Transmitters
 * (the AP and each station) take turns round-robin, one exchange at a time, which is what DCF's fairness gives
 * saturated stations on average; frames queued for the same receiver are aggregated (A-MPDU) up to a limit. */
#pragma once
#include "link_counters.h"
#include "packet.h"
#include "rng.h"

typedef struct {
  guint32 slot_ns, sifs_ns, preamble_ns, symbol_ns, legacy_preamble_ns, legacy_symbol_ns;
  guint32 cw_min, cw_max, retry_limit;
  guint64 basic_rate_bps;   /* control frames (ACK, BlockAck) and group-addressed frames */
  guint32 mpdu_overhead;    /* MAC header + FCS + LLC/SNAP per MPDU, bytes */
  guint32 ampdu_delimiter;  /* per-subframe delimiter, bytes (plus padding to 4) */
  guint32 ampdu_max_bytes;
} AirProfile;

/* 802.11ac (VHT, 5 GHz, 1 spatial stream, long guard interval) timing. */
void air_profile_80211ac(AirProfile *profile);

typedef struct {
  guint64 phy_rate_bps; /* 0 = not set */
  double per;           /* packet (MPDU) error rate per attempt */
  guint max_ampdu;      /* frames per aggregate; 1 = no aggregation */
  gboolean has_position;
  double x_m, y_m;      /* position; the AP is at the origin */
} AirStationConfig;

void air_station_config_init(AirStationConfig *cfg);

/* Data-PPDU duration (preamble + symbols) for a PSDU of `psdu_bytes` at `rate_bps`. */
guint64 airtime_ppdu_ns(const AirProfile *p, guint64 rate_bps, guint32 psdu_bytes);
/* Legacy (non-HT) PPDU duration at `rate_bps`, for ACK/BlockAck and group frames. */
guint64 airtime_legacy_ppdu_ns(const AirProfile *p, guint64 rate_bps, guint32 bytes);
/* One whole exchange carrying `n` frames of the given payload lengths (Ethernet frame bytes) at `rate_bps`,
 * at retry stage `retry` (contention window doubles per retry). Group frames: no ACK, basic rate. */
guint64 airtime_exchange_ns(const AirProfile *p, guint64 rate_bps, const guint32 *lens, guint n, guint retry,
                            gboolean group);
/* Saturated single-station goodput (Ethernet payload bits per second) with `n`-frame aggregates. */
double airtime_saturated_goodput_bps(const AirProfile *p, guint64 rate_bps, guint32 frame_len, guint n);

/* Log-distance path loss at 5 GHz: PL(d) = 46.7 dB + 10 n log10(d / 1 m); tx power 20 dBm, noise -89 dBm.
 * Picks the 802.11ac MCS (1 stream, 80 MHz) that maximises rate * (1 - PER), as a rate controller would. */
typedef struct {
  double exponent;    /* path-loss exponent n, default 3.0 (indoor) */
  double tx_power_dbm;
  double noise_dbm;
} PathLossModel;

void path_loss_default(PathLossModel *m);
double path_loss_snr_db(const PathLossModel *m, double distance_m);
void airtime_rate_for_snr(double snr_db, guint64 *rate_bps, double *per);

typedef struct Channel Channel;

typedef struct {
  void (*deliver)(void *ud, Packet *p, guint64 now_ns); /* downlink done: hand to the destination */
  void (*drop)(void *ud, Packet *p, DropReason reason); /* callee frees */
  void (*retry)(void *ud, const Packet *p);
} ChannelCallbacks;

/* Airtime is multiplied by `tdf` (PHY rates and MAC timings all slow down with dilated time). */
Channel *channel_new(const AirProfile *profile, guint64 seed, double tdf);
void channel_free(Channel *ch);
void channel_configure_station(Channel *ch, guint16 id, const AirStationConfig *cfg);
const AirStationConfig *channel_station_config(Channel *ch, guint16 id);
/* Queues an uplink frame from p->src. FALSE when that station's queue is full (caller keeps p). */
gboolean channel_enqueue(Channel *ch, Packet *p, guint64 now_ns);
guint64 channel_next_time(const Channel *ch);
void channel_run(Channel *ch, guint64 now_ns, const ChannelCallbacks *cb, void *ud);
/* Airtime used by transmitter `id` (0 = AP) and in total, ns. */
guint64 channel_airtime_ns(const Channel *ch, guint16 id);
guint64 channel_busy_ns(const Channel *ch);
guint channel_queue_length(const Channel *ch, guint16 id);
