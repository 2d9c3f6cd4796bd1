/* medium.c: dmx-medium's core: owns the stations' TAP fds, forwards frames as a learning switch through the
 * per-link netem queues (and, in Wi-Fi mode, the shared channel), and runs the epoll loop. Departures are
 * timed by epoll_pwait2's ns-resolution timeout (an hrtimer, like timerfd, but without the two extra
 * syscalls per wake-up that arming and reading a timerfd costs at tens of thousands of packets/s). */
#include "medium.h"
#include "control.h"
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define READ_BURST 64
#define SPIN_WINDOW_NS 100000000ULL /* 100 ms */
#define SPIN_BUDGET_NS 5000000ULL   /* 5% of a core */
#define FRAME_BUFFER 65536

struct Medium {
  MediumOptions opts;
  int epfd, sigfd;
  EventSource signal_source;
  ControlServer *control;
  GPtrArray *stations; /* Station*, index id-1 */
  GHashTable *fdb;     /* MAC (as guint64 key in a pointer-sized slot) -> Station* */
  Link **links;        /* [src-1][dst-1], created when the second station of a pair attaches */
  GPtrArray *active_links;
  LinkSpec default_spec;
  GPtrArray *rules; /* LinkRule*, applied in order when links are created */
  PcapWriter *pcap;
  Channel *channel;
  gboolean quit;
  guint64 unknown_dst_floods;
  guint64 spin_window_start_ns, spin_window_ns; /* busy-wait budget: at most SPIN_BUDGET of each window */
  guint64 spin_total_ns;
  guint64 late_sum_ns, late_max_ns, late_samples; /* departures after their time_to_send (timer latency) */
  guint64 last_departure_ns;                       /* when run_due last sent something */
  guint64 started_ns;
  guint8 *buffer;
};

guint64 medium_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (guint64)ts.tv_sec * 1000000000ULL + (guint64)ts.tv_nsec;
}

static Link *link_at(Medium *m, guint16 src, guint16 dst)
{
  return m->links[(src - 1) * MEDIUM_MAX_STATIONS + (dst - 1)];
}

static guint64 link_seed(Medium *m, guint16 src, guint16 dst)
{
  return m->opts.seed ^ ((guint64)src << 32) ^ ((guint64)dst << 16) ^ 0x6d656469756dULL;
}

static gboolean name_matches(const char *pattern, const Station *s)
{
  return strcmp(pattern, "*") == 0 || strcmp(pattern, s->name) == 0;
}

static void link_apply_spec(Medium *m, Link *l, const LinkSpec *given)
{
  LinkSpec spec = *given;
  link_spec_dilate(&spec, m->opts.tdf);
  qdisc_set_spec(&l->qdisc, &spec, link_seed(m, l->src->id, l->dst->id));
}

static void create_link(Medium *m, Station *src, Station *dst)
{
  Link *l = g_new0(Link, 1);
  l->src = src;
  l->dst = dst;
  const LinkSpec *spec = &m->default_spec;
  for (guint i = 0; i < m->rules->len; i++) {
    LinkRule *r = g_ptr_array_index(m->rules, i);
    if (name_matches(r->src, src) && name_matches(r->dst, dst))
      spec = &r->spec;
  }
  LinkSpec dilated = *spec;
  link_spec_dilate(&dilated, m->opts.tdf);
  qdisc_init(&l->qdisc, &dilated, link_seed(m, src->id, dst->id));
  m->links[(src->id - 1) * MEDIUM_MAX_STATIONS + (dst->id - 1)] = l;
  g_ptr_array_add(m->active_links, l);
}

static Station *find_station(Medium *m, const char *name)
{
  for (guint i = 0; i < m->stations->len; i++) {
    Station *s = g_ptr_array_index(m->stations, i);
    if (strcmp(s->name, name) == 0)
      return s;
  }
  return NULL;
}

static void station_close(Medium *m, Station *s, const char *why)
{
  if (s->fd < 0)
    return;
  g_message("station %s (%u): %s; no longer served", s->name, s->id, why);
  epoll_ctl(m->epfd, EPOLL_CTL_DEL, s->fd, NULL);
  close(s->fd);
  g_clear_pointer(&s->stamp, tap_stamp_free);
  s->fd = -1;
  g_free(s->gone_reason);
  s->gone_reason = g_strdup(why);
}

static gboolean valid_station_name(const char *name)
{
  if (!name || !*name || strlen(name) > 64 || strcmp(name, "*") == 0)
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum(*c) && !strchr("-_.:", *c))
      return FALSE;
  return TRUE;
}

gboolean medium_attach(Medium *m, const char *name, int fd, guint16 *id, GError **error)
{
  if (!valid_station_name(name)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad station name '%s'", name ? name : "");
    return FALSE;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "bad TAP fd: %s", g_strerror(errno));
    return FALSE;
  }
  Station *s = find_station(m, name);
  if (s) {
    /* A restarted device re-attaches under its name: keep its id, links and counters. */
    station_close(m, s, "replaced by a new attach");
  } else {
    if (m->stations->len >= MEDIUM_MAX_STATIONS) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "too many stations (max %d)", MEDIUM_MAX_STATIONS);
      return FALSE;
    }
    s = g_new0(Station, 1);
    s->id = (guint16)(m->stations->len + 1);
    s->name = g_strdup(name);
    s->source.kind = SOURCE_TAP;
    s->source.owner = s;
    g_ptr_array_add(m->stations, s);
    for (guint i = 0; i + 1 < m->stations->len; i++) {
      Station *o = g_ptr_array_index(m->stations, i);
      create_link(m, s, o);
      create_link(m, o, s);
    }
    if (m->channel) {
      AirStationConfig cfg;
      air_station_config_init(&cfg);
      channel_configure_station(m->channel, s->id, &cfg);
    }
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->source};
  if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "epoll: %s", g_strerror(errno));
    return FALSE;
  }
  s->fd = fd;
  g_clear_pointer(&s->gone_reason, g_free);
  GError *stamp_error = NULL;
  if (!(s->stamp = tap_stamp_attach(fd, &stamp_error)) &&
      !g_error_matches(stamp_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)) /* (a socket: the uplink, tests) */
    g_message("station %s: no TAP arrival timestamps (%s); link delays start when the medium reads a frame", name,
              stamp_error->message);
  g_clear_error(&stamp_error);
  *id = s->id;
  g_message("attached station %s as %u", name, s->id);
  return TRUE;
}

gboolean medium_detach(Medium *m, const char *name, GError **error)
{
  Station *s = find_station(m, name);
  if (!s) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "unknown station '%s'", name);
    return FALSE;
  }
  station_close(m, s, "detached");
  return TRUE;
}

/* Every station matching `pattern`, or an error naming the unknown one. */
static gboolean resolve(Medium *m, const char *pattern, GError **error)
{
  if (strcmp(pattern, "*") == 0 || find_station(m, pattern))
    return TRUE;
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "unknown station '%s'", pattern);
  return FALSE;
}

gboolean medium_set_link(Medium *m, const char *src, const char *dst, const char *spec_text, gboolean *pending,
                         GError **error)
{
  LinkSpec spec;
  if (!link_spec_parse(spec_text, &spec, error))
    return FALSE;
  if (!valid_station_name(src) && strcmp(src, "*") != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad station name '%s'", src);
    return FALSE;
  }
  if (!valid_station_name(dst) && strcmp(dst, "*") != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad station name '%s'", dst);
    return FALSE;
  }
  /* A rule may name a station that has not attached yet; it applies when it does. */
  *pending = !resolve(m, src, NULL) || !resolve(m, dst, NULL);
  if (strcmp(src, "*") == 0 && strcmp(dst, "*") == 0) {
    /* A new default replaces every earlier rule. */
    m->default_spec = spec;
    g_ptr_array_set_size(m->rules, 0);
  } else {
    LinkRule *r = g_new0(LinkRule, 1);
    r->src = g_strdup(src);
    r->dst = g_strdup(dst);
    r->spec = spec;
    g_ptr_array_add(m->rules, r);
  }
  for (guint i = 0; i < m->active_links->len; i++) {
    Link *l = g_ptr_array_index(m->active_links, i);
    if (name_matches(src, l->src) && name_matches(dst, l->dst))
      link_apply_spec(m, l, &spec);
  }
  return TRUE;
}

gboolean medium_set_cut(Medium *m, const char *a, const char *b, gboolean cut, GError **error)
{
  if (!resolve(m, a, error) || !resolve(m, b, error))
    return FALSE;
  for (guint i = 0; i < m->active_links->len; i++) {
    Link *l = g_ptr_array_index(m->active_links, i);
    if ((name_matches(a, l->src) && name_matches(b, l->dst)) || (name_matches(b, l->src) && name_matches(a, l->dst)))
      l->cut = cut;
  }
  return TRUE;
}

gboolean medium_configure_station(Medium *m, const char *name, char **args, GError **error)
{
  Station *s = find_station(m, name);
  if (!s) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "unknown station '%s'", name);
    return FALSE;
  }
  if (!m->channel) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "station settings need --mode wifi");
    return FALSE;
  }
  AirStationConfig cfg = *channel_station_config(m->channel, s->id);
  gboolean phy_given = FALSE, per_given = FALSE;
  for (int i = 0; args[i]; i++) {
    const char *key = args[i], *v = args[i + 1];
    if (!v) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "missing value after '%s'", key);
      return FALSE;
    }
    gboolean ok = TRUE;
    if (strcmp(key, "phy") == 0) {
      ok = parse_rate_bps(v, &cfg.phy_rate_bps);
      phy_given = TRUE;
    } else if (strcmp(key, "per") == 0) {
      ok = parse_percent(v, &cfg.per);
      per_given = TRUE;
    } else if (strcmp(key, "ampdu") == 0) {
      char *end;
      guint64 n = g_ascii_strtoull(v, &end, 10);
      ok = *end == 0 && n >= 1 && n <= 64;
      cfg.max_ampdu = (guint)n;
    } else if (strcmp(key, "pos") == 0 && args[i + 2]) {
      char *e1, *e2;
      cfg.x_m = g_ascii_strtod(v, &e1);
      cfg.y_m = g_ascii_strtod(args[i + 2], &e2);
      ok = *e1 == 0 && *e2 == 0;
      cfg.has_position = TRUE;
      i++;
    } else {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown token '%s' in station spec", key);
      return FALSE;
    }
    if (!ok) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad value '%s' for '%s'", v, key);
      return FALSE;
    }
    i++;
  }
  if (cfg.has_position && !phy_given) {
    PathLossModel plm;
    path_loss_default(&plm);
    double d = sqrt(cfg.x_m * cfg.x_m + cfg.y_m * cfg.y_m);
    double per;
    airtime_rate_for_snr(path_loss_snr_db(&plm, d < 1 ? 1 : d), &cfg.phy_rate_bps, &per);
    if (!per_given)
      cfg.per = per;
  }
  channel_configure_station(m->channel, s->id, &cfg);
  return TRUE;
}

/* ---- forwarding ---- */

static guint64 mac_key(const guint8 *mac)
{
  guint64 k = 0;
  for (int i = 0; i < 6; i++)
    k = k << 8 | mac[i];
  return k | (1ULL << 56); /* never 0, so it fits a GHashTable pointer key */
}

static void deliver_to_tap(Medium *m, Link *l, Packet *p)
{
  Station *dst = l->dst;
  if (dst->fd < 0) {
    link_counters_drop(&l->counters, DROP_TAP, p->len);
    packet_free(p);
    return;
  }
  ssize_t n = write(dst->fd, p->data, p->len);
  if (n == (ssize_t)p->len) {
    l->counters.sent_frames++;
    l->counters.sent_bytes += p->len;
    dst->tx_frames++;
    dst->tx_bytes += p->len;
    if (m->pcap)
      pcap_writer_write(m->pcap, p->data, p->len);
  } else {
    link_counters_drop(&l->counters, DROP_TAP, p->len);
    dst->tx_errors++;
    /* EIO: the receiver's interface is down (e.g. a device whose dmx0 is not up yet gets an IPv6 multicast from
     * another): a drop, like a frame sent to a down NIC, not a reason to close its TAP (which deleted dmx0). */
    if (n < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS && errno != EIO)
      station_close(m, dst, g_strerror(errno));
  }
  packet_free(p);
}

static void channel_deliver(void *ud, Packet *p, guint64 now)
{
  Medium *m = ud;
  Link *l = link_at(m, p->src, p->dst);
  link_counters_add_queue_delay(&l->counters, now - p->enqueued_ns);
  deliver_to_tap(m, l, p);
}

static void channel_drop(void *ud, Packet *p, DropReason reason)
{
  Medium *m = ud;
  link_counters_drop(&link_at(m, p->src, p->dst)->counters, reason, p->len);
  packet_free(p);
}

static void channel_retry(void *ud, const Packet *p)
{
  Medium *m = ud;
  link_at(m, p->src, p->dst)->counters.retries++;
}

static const ChannelCallbacks channel_callbacks = {channel_deliver, channel_drop, channel_retry};

/* A packet leaves its link's netem queue. */
static void link_departure(Medium *m, Link *l, Packet *p, guint64 now)
{
  if (m->channel) {
    /* enqueued_ns stays: the queue delay is measured end to end, through the air. */
    if (!channel_enqueue(m->channel, p, now)) {
      link_counters_drop(&l->counters, DROP_LIMIT, p->len);
      packet_free(p);
    }
    return;
  }
  link_counters_add_queue_delay(&l->counters, now - p->enqueued_ns);
  deliver_to_tap(m, l, p);
}

static void offer_to_link(Medium *m, Station *src, Station *dst, const guint8 *frame, guint32 len, guint64 now)
{
  Link *l = link_at(m, src->id, dst->id);
  if (l->cut) {
    l->counters.offered_frames++;
    l->counters.offered_bytes += len;
    link_counters_drop(&l->counters, DROP_CUT, len);
    return;
  }
  qdisc_enqueue(&l->qdisc, packet_new(frame, len, src->id, dst->id), now, &l->counters);
}

static void forward_frame(Medium *m, Station *src, const guint8 *frame, guint32 len, guint64 now)
{
  if (len < 14) {
    src->rx_errors++;
    return;
  }
  if (!(frame[6] & 1))
    g_hash_table_insert(m->fdb, GSIZE_TO_POINTER(mac_key(frame + 6)), src);
  Station *dst = NULL;
  if (!(frame[0] & 1)) {
    dst = g_hash_table_lookup(m->fdb, GSIZE_TO_POINTER(mac_key(frame)));
    if (dst == src)
      return; /* hairpin: the destination lives behind the same port */
    if (!dst)
      m->unknown_dst_floods++;
  }
  if (dst) {
    offer_to_link(m, src, dst, frame, len, now);
    return;
  }
  for (guint i = 0; i < m->stations->len; i++) {
    Station *o = g_ptr_array_index(m->stations, i);
    if (o != src)
      offer_to_link(m, src, o, frame, len, now);
  }
}

static void read_station(Medium *m, Station *s)
{
  for (int burst = 0; burst < READ_BURST && s->fd >= 0; burst++) {
    ssize_t n = read(s->fd, m->buffer, FRAME_BUFFER);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        return;
      station_close(m, s, g_strerror(errno));
      return;
    }
    if (n == 0) {
      station_close(m, s, "end of file");
      return;
    }
    s->rx_frames++;
    s->rx_bytes += (guint64)n;
    if ((guint32)n > m->opts.max_frame) {
      /* Logged for the first few only, so a misconfigured MTU cannot flood the log. */
      if (s->rx_oversize++ < 10)
        g_message("station %s: dropped a %zd-byte frame (max %u)", s->name, n, m->opts.max_frame);
      continue;
    }
    /* A link's clock starts when the sender's kernel put the frame into the TAP, not when this loop got round
     * to reading it: the medium's wake-up latency is then part of the configured delay, as in netem. */
    guint64 now = medium_now_ns(), arrival;
    if (s->stamp && tap_stamp_lookup(s->stamp, (guint32)n, &arrival) && arrival <= now) {
      s->rx_stamped++;
      s->read_lag_ns += now - arrival;
      now = arrival;
    }
    forward_frame(m, s, m->buffer, (guint32)n, now);
  }
}

/* ---- time ---- */

static void run_due(Medium *m, guint64 now)
{
  for (guint i = 0; i < m->active_links->len; i++) {
    Link *l = g_ptr_array_index(m->active_links, i);
    Packet *p;
    while ((p = qdisc_dequeue(&l->qdisc, now))) {
      guint64 late = now - p->time_to_send_ns;
      m->late_sum_ns += late;
      m->late_samples++;
      if (late > m->late_max_ns)
        m->late_max_ns = late;
      link_departure(m, l, p, now);
      m->last_departure_ns = now;
    }
  }
  if (m->channel)
    channel_run(m->channel, now, &channel_callbacks, m);
}

static guint64 next_deadline(Medium *m)
{
  guint64 next = G_MAXUINT64;
  for (guint i = 0; i < m->active_links->len; i++) {
    Link *l = g_ptr_array_index(m->active_links, i);
    guint64 t = qdisc_next_time(&l->qdisc);
    if (t < next)
      next = t;
  }
  if (m->channel) {
    guint64 t = channel_next_time(m->channel);
    if (t < next)
      next = t;
  }
  return next;
}

/* Departure coalescing (--coalesce-us G): in a train of departures less than G apart (a rate-limited link
 * under load), the loop wakes once per G and sends everything due by then, instead of sleeping and waking
 * once per frame, which on this VM host costs ~30 µs of CPU per frame. Only frames that follow a departure
 * within G are coalesced, so a lone frame (a ping) still leaves on time; a coalesced one leaves at most G late. */
static gboolean in_train(Medium *m, guint64 now, guint64 next)
{
  guint64 g = m->opts.coalesce_us * 1000ULL;
  return next != G_MAXUINT64 && next > now && next - now < g && now - m->last_departure_ns < g;
}

/* Host wake-ups are late by tens to hundreds of µs under load; with --spin-us the timer fires that much early
 * and the loop busy-waits the remainder, which bounds the lateness at the cost of some CPU. */
static gboolean spin_allowed(Medium *m, guint64 now)
{
  if (!m->opts.spin_us)
    return FALSE;
  if (now - m->spin_window_start_ns > SPIN_WINDOW_NS) {
    m->spin_window_start_ns = now;
    m->spin_window_ns = 0;
  }
  return m->spin_window_ns < SPIN_BUDGET_NS;
}

static void spin_until_due(Medium *m)
{
  guint64 now = medium_now_ns();
  if (!spin_allowed(m, now))
    return;
  guint64 next = next_deadline(m);
  if (next == G_MAXUINT64 || next <= now || next - now > m->opts.spin_us * 1000ULL || in_train(m, now, next))
    return; /* (the last: it leaves with the next coalesced batch) */
  guint64 t;
  while ((t = medium_now_ns()) < next)
    ;
  m->spin_window_ns += t - now;
  m->spin_total_ns += t - now;
}

/* Time until the loop must wake (NULL = no departure pending). *coalescing: the wait is a coalescing pause (see
 * below) during which arrivals need not wake the loop. */
static struct timespec *wait_timeout(Medium *m, struct timespec *ts, gboolean *coalescing)
{
  *coalescing = FALSE;
  guint64 next = next_deadline(m);
  if (next == G_MAXUINT64)
    return NULL;
  guint64 now = medium_now_ns();
  guint64 wake;
  if (in_train(m, now, next)) {
    /* Dense departures (a rate-limited train): one wake-up per `coalesce` instead of one per frame, and the
     * frames that arrive meanwhile are read then too (their link time starts at their TAP arrival stamp). */
    wake = now + m->opts.coalesce_us * 1000ULL;
    *coalescing = TRUE;
  } else {
    guint64 lead = spin_allowed(m, now) ? m->opts.spin_us * 1000ULL : 0;
    wake = next > lead ? next - lead : 0;
  }
  guint64 wait = wake > now ? wake - now : 0;
  ts->tv_sec = (time_t)(wait / 1000000000ULL);
  ts->tv_nsec = (long)(wait % 1000000000ULL);
  return ts;
}

/* ---- stats ---- */

static void append_link_json(GString *s, Link *l)
{
  const LinkCounters *c = &l->counters;
  g_string_append_printf(s,
                         "{\"src\":\"%s\",\"dst\":\"%s\",\"cut\":%s,\"offered_frames\":%" G_GUINT64_FORMAT
                         ",\"offered_bytes\":%" G_GUINT64_FORMAT ",\"sent_frames\":%" G_GUINT64_FORMAT
                         ",\"sent_bytes\":%" G_GUINT64_FORMAT ",\"dropped\":%" G_GUINT64_FORMAT ",\"dropped_bytes\":%" G_GUINT64_FORMAT ",\"dropped_by\":{",
                         l->src->name, l->dst->name, l->cut ? "true" : "false", c->offered_frames, c->offered_bytes,
                         c->sent_frames, c->sent_bytes, link_counters_dropped_total(c), c->dropped_bytes);
  for (int r = 0; r < DROP_REASONS; r++)
    g_string_append_printf(s, "%s\"%s\":%" G_GUINT64_FORMAT, r ? "," : "", drop_reason_names[r], c->dropped[r]);
  double mean_us = c->queue_delay_samples ? c->queue_delay_sum_ns / 1e3 / c->queue_delay_samples : 0;
  g_string_append_printf(s,
                         "},\"duplicated\":%" G_GUINT64_FORMAT ",\"corrupted\":%" G_GUINT64_FORMAT
                         ",\"ecn_marked\":%" G_GUINT64_FORMAT ",\"reordered\":%" G_GUINT64_FORMAT
                         ",\"retries\":%" G_GUINT64_FORMAT ",\"queued\":%u,\"queued_bytes\":%" G_GUINT64_FORMAT
                         ",\"queue_delay_mean_us\":%.1f,\"queue_delay_max_us\":%.1f}",
                         c->duplicated, c->corrupted, c->ecn_marked, c->reordered, c->retries,
                         qdisc_length(&l->qdisc), l->qdisc.bytes, mean_us, c->queue_delay_max_ns / 1e3);
}

char *medium_stats_json(Medium *m)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s,
                         "{\"mode\":\"%s\",\"tdf\":%g,\"uptime_s\":%.3f,\"unknown_dst_floods\":%" G_GUINT64_FORMAT
                         ",\"timer_late_mean_us\":%.1f,\"timer_late_max_us\":%.1f,\"spin_s\":%.3f,\"stations\":[",
                         m->opts.mode == MEDIUM_WIFI ? "wifi" : "wired", m->opts.tdf,
                         (medium_now_ns() - m->started_ns) / 1e9, m->unknown_dst_floods,
                         m->late_samples ? m->late_sum_ns / 1e3 / m->late_samples : 0.0, m->late_max_ns / 1e3,
                         m->spin_total_ns / 1e9);
  for (guint i = 0; i < m->stations->len; i++) {
    Station *st = g_ptr_array_index(m->stations, i);
    g_string_append_printf(s,
                           "%s{\"id\":%u,\"name\":\"%s\",\"up\":%s,\"rx_frames\":%" G_GUINT64_FORMAT
                           ",\"rx_bytes\":%" G_GUINT64_FORMAT ",\"tx_frames\":%" G_GUINT64_FORMAT
                           ",\"tx_bytes\":%" G_GUINT64_FORMAT ",\"rx_oversize\":%" G_GUINT64_FORMAT
                           ",\"rx_errors\":%" G_GUINT64_FORMAT ",\"tx_errors\":%" G_GUINT64_FORMAT,
                           i ? "," : "", st->id, st->name, st->fd >= 0 ? "true" : "false", st->rx_frames,
                           st->rx_bytes, st->tx_frames, st->tx_bytes, st->rx_oversize, st->rx_errors, st->tx_errors);
    g_string_append_printf(s, ",\"rx_stamped\":%" G_GUINT64_FORMAT ",\"read_lag_mean_us\":%.1f", st->rx_stamped,
                           st->rx_stamped ? st->read_lag_ns / 1e3 / st->rx_stamped : 0.0);
    if (m->channel) {
      const AirStationConfig *cfg = channel_station_config(m->channel, st->id);
      g_string_append_printf(s, ",\"phy_bps\":%" G_GUINT64_FORMAT ",\"per\":%.4f,\"airtime_us\":%.1f,\"air_queue\":%u",
                             cfg->phy_rate_bps, cfg->per, channel_airtime_ns(m->channel, st->id) / 1e3,
                             channel_queue_length(m->channel, st->id));
    }
    g_string_append(s, "}");
  }
  g_string_append(s, "],\"links\":[");
  for (guint i = 0; i < m->active_links->len; i++) {
    if (i)
      g_string_append_c(s, ',');
    append_link_json(s, g_ptr_array_index(m->active_links, i));
  }
  g_string_append(s, "]");
  if (m->channel)
    g_string_append_printf(s, ",\"channel\":{\"busy_us\":%.1f,\"ap_airtime_us\":%.1f,\"ap_queue\":%u}",
                           channel_busy_ns(m->channel) / 1e3, channel_airtime_ns(m->channel, 0) / 1e3,
                           channel_queue_length(m->channel, 0));
  g_string_append(s, "}");
  return g_string_free(s, FALSE);
}

/* ---- lifecycle and loop ---- */

static int make_signalfd(void)
{
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static gboolean add_source(Medium *m, int fd, EventSource *src, GError **error)
{
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = src};
  if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "epoll_ctl: %s", g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

Medium *medium_new(const MediumOptions *opts, GError **error)
{
  Medium *m = g_new0(Medium, 1);
  m->opts = *opts;
  if (m->opts.tdf <= 0)
    m->opts.tdf = 1.0;
  m->stations = g_ptr_array_new();
  m->fdb = g_hash_table_new(g_direct_hash, g_direct_equal);
  m->links = g_new0(Link *, MEDIUM_MAX_STATIONS * MEDIUM_MAX_STATIONS);
  m->active_links = g_ptr_array_new();
  m->rules = g_ptr_array_new();
  m->buffer = g_malloc(FRAME_BUFFER);
  m->started_ns = medium_now_ns();
  m->epfd = m->sigfd = -1;
  /* The default timer slack (50 µs) would blur µs-resolution departures. */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  if (!link_spec_parse(opts->default_spec ? opts->default_spec : "", &m->default_spec, error))
    goto fail;
  if (opts->mode == MEDIUM_WIFI) {
    AirProfile profile;
    air_profile_80211ac(&profile);
    m->channel = channel_new(&profile, opts->seed ^ 0x77696669ULL, m->opts.tdf);
  }
  if (opts->pcap_path && !(m->pcap = pcap_writer_open(opts->pcap_path, opts->snaplen, error)))
    goto fail;
  m->epfd = epoll_create1(EPOLL_CLOEXEC);
  m->sigfd = make_signalfd();
  if (m->epfd < 0 || m->sigfd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "epoll/signalfd: %s", g_strerror(errno));
    goto fail;
  }
  m->signal_source.kind = SOURCE_SIGNAL;
  if (!add_source(m, m->sigfd, &m->signal_source, error))
    goto fail;
  m->control = control_server_new(opts->control_path, m, m->epfd, error);
  if (!m->control)
    goto fail;
  return m;
fail:
  medium_free(m);
  return NULL;
}

void medium_free(Medium *m)
{
  if (!m)
    return;
  control_server_free(m->control);
  for (guint i = 0; i < m->active_links->len; i++) {
    Link *l = g_ptr_array_index(m->active_links, i);
    qdisc_clear(&l->qdisc);
    g_free(l);
  }
  for (guint i = 0; i < m->stations->len; i++) {
    Station *s = g_ptr_array_index(m->stations, i);
    if (s->fd >= 0)
      close(s->fd);
    g_free(s->name);
    g_free(s->gone_reason);
    tap_stamp_free(s->stamp);
    g_free(s);
  }
  for (guint i = 0; i < m->rules->len; i++) {
    LinkRule *r = g_ptr_array_index(m->rules, i);
    g_free(r->src);
    g_free(r->dst);
    g_free(r);
  }
  g_ptr_array_free(m->rules, TRUE);
  g_ptr_array_free(m->stations, TRUE);
  g_ptr_array_free(m->active_links, TRUE);
  g_hash_table_destroy(m->fdb);
  g_free(m->links);
  if (m->channel)
    channel_free(m->channel);
  pcap_writer_close(m->pcap);
  if (m->sigfd >= 0)
    close(m->sigfd);
  if (m->epfd >= 0)
    close(m->epfd);
  g_free(m->buffer);
  g_free(m);
}

void medium_request_quit(Medium *m)
{
  m->quit = TRUE;
}

static void handle_event(Medium *m, struct epoll_event *ev)
{
  EventSource *src = ev->data.ptr;
  switch (src->kind) {
  case SOURCE_TAP: {
    Station *s = src->owner;
    if (ev->events & EPOLLIN)
      read_station(m, s);
    else if (ev->events & (EPOLLERR | EPOLLHUP))
      station_close(m, s, "TAP error/hangup");
    break;
  }
  case SOURCE_SIGNAL: {
    struct signalfd_siginfo si;
    if (read(m->sigfd, &si, sizeof(si)) > 0)
      g_message("signal %u: quitting", si.ssi_signo);
    m->quit = TRUE;
    break;
  }
  case SOURCE_LISTEN:
  case SOURCE_CLIENT:
    control_handle_event(m->control, src, ev->events);
    break;
  }
}

int medium_run(Medium *m)
{
  struct epoll_event events[32];
  guint64 last_flush = medium_now_ns();
  while (!m->quit) {
    struct timespec ts, flush = {.tv_nsec = 500000000};
    gboolean coalescing;
    struct timespec *timeout = wait_timeout(m, &ts, &coalescing);
    if (m->pcap && (!timeout || timeout->tv_sec > 0 || timeout->tv_nsec > flush.tv_nsec))
      timeout = &flush; /* wake at least twice a second to flush the capture */
    if (coalescing) {
      /* Each TAP arrival would otherwise wake the loop once per frame (the costliest thing it does on a VM). */
      clock_nanosleep(CLOCK_MONOTONIC, 0, timeout, NULL);
      ts.tv_sec = ts.tv_nsec = 0;
      timeout = &ts;
    }
    int n = epoll_pwait2(m->epfd, events, G_N_ELEMENTS(events), timeout, NULL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      g_warning("epoll_wait: %s", g_strerror(errno));
      return 1;
    }
    for (int i = 0; i < n; i++)
      handle_event(m, &events[i]);
    spin_until_due(m);
    guint64 now = medium_now_ns();
    run_due(m, now);
    if (m->pcap && now - last_flush > 500000000ULL) {
      pcap_writer_flush(m->pcap);
      last_flush = now;
    }
  }
  if (m->pcap)
    pcap_writer_flush(m->pcap);
  return 0;
}
