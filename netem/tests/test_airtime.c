/* test_airtime.c: 802.11 airtime math, channel sharing between saturated stations, goodput realism. */
#include "airtime.h"
#include <math.h>
#include <string.h>

static void test_exchange_math(void)
{
  AirProfile p;
  air_profile_80211ac(&p);
  /* ACK: 14 bytes at 24 Mbit/s = 134 bits -> 2 symbols (96 bits each) + 20 µs legacy preamble = 28 µs. */
  g_assert_cmpuint(airtime_legacy_ppdu_ns(&p, 24000000, 14), ==, 28000);
  /* A 1514-byte Ethernet frame -> 1538-byte MPDU at 100 Mbit/s: 12326 bits / 400 per symbol = 31 symbols. */
  guint32 len = 1514;
  g_assert_cmpuint(airtime_ppdu_ns(&p, 100000000, 1538), ==, 40000 + 31 * 4000);
  /* Whole exchange: DIFS 34 + mean backoff 7.5 slots (67.5) + PPDU 164 + SIFS 16 + ACK 28 µs. */
  g_assert_cmpuint(airtime_exchange_ns(&p, 100000000, &len, 1, 0, FALSE), ==, 34000 + 67500 + 164000 + 16000 + 28000);
  /* Each retry doubles the contention window: stage 1 waits 15.5 slots on average. */
  g_assert_cmpuint(airtime_exchange_ns(&p, 100000000, &len, 1, 1, FALSE) -
                       airtime_exchange_ns(&p, 100000000, &len, 1, 0, FALSE),
                   ==, 8 * 9000);
}

static void test_goodput_realistic(void)
{
  AirProfile p;
  air_profile_80211ac(&p);
  /* Nominal 100 Mbit/s PHY: without aggregation ~40%, with A-MPDU ~80-90% (real 802.11ac: 60-85%). */
  double single = airtime_saturated_goodput_bps(&p, 100000000, 1514, 1);
  double agg = airtime_saturated_goodput_bps(&p, 100000000, 1514, 32);
  double vht = airtime_saturated_goodput_bps(&p, 433300000, 1514, 32);
  g_test_message("goodput at 100 Mbit/s PHY: %.1f (no aggregation), %.1f (A-MPDU 32); at 433.3: %.1f Mbit/s",
                 single / 1e6, agg / 1e6, vht / 1e6);
  g_assert_cmpfloat(single, >, 30e6);
  g_assert_cmpfloat(single, <, 50e6);
  g_assert_cmpfloat(agg, >, 60e6);
  g_assert_cmpfloat(agg, <, 95e6);
  g_assert_cmpfloat(vht, >, 250e6);
  g_assert_cmpfloat(vht, <, 400e6);
}

typedef struct {
  guint64 delivered[4];
  guint64 delivered_bytes[4];
} Tally;

static void on_deliver(void *ud, Packet *p, guint64 now)
{
  (void)now;
  Tally *t = ud;
  t->delivered[p->src]++;
  t->delivered_bytes[p->src] += p->len;
  packet_free(p);
}

static void on_drop(void *ud, Packet *p, DropReason r)
{
  (void)ud;
  (void)r;
  packet_free(p);
}

static void on_retry(void *ud, const Packet *p)
{
  (void)ud;
  (void)p;
}

static const ChannelCallbacks callbacks = {on_deliver, on_drop, on_retry};

/* Runs `seconds` of simulated time with stations 1 and 2 saturated (each sending to the other). */
static void saturate(Channel *ch, double seconds, Tally *t)
{
  guint8 buf[1514] = {0};
  guint64 end = (guint64)(seconds * 1e9);
  for (guint64 now = 0; now < end; now += 50000) {
    for (guint16 s = 1; s <= 2; s++)
      while (channel_queue_length(ch, s) < 64) {
        Packet *p = packet_new(buf, sizeof(buf), s, s == 1 ? 2 : 1);
        g_assert_true(channel_enqueue(ch, p, now));
      }
    channel_run(ch, now, &callbacks, t);
  }
}

static void test_two_saturated_stations_share(void)
{
  AirProfile p;
  air_profile_80211ac(&p);
  Channel *ch = channel_new(&p, 1, 1.0);
  AirStationConfig cfg;
  air_station_config_init(&cfg);
  cfg.phy_rate_bps = 100000000;
  channel_configure_station(ch, 1, &cfg);
  channel_configure_station(ch, 2, &cfg);
  Tally t = {0};
  saturate(ch, 2.0, &t);
  double a1 = channel_airtime_ns(ch, 1), a2 = channel_airtime_ns(ch, 2), ap = channel_airtime_ns(ch, 0);
  g_test_message("airtime: sta1 %.0f ms, sta2 %.0f ms, AP %.0f ms; delivered 1->2 %" G_GUINT64_FORMAT
                 ", 2->1 %" G_GUINT64_FORMAT " frames",
                 a1 / 1e6, a2 / 1e6, ap / 1e6, t.delivered[1], t.delivered[2]);
  g_assert_cmpfloat(fabs(a1 - a2) / (a1 + a2), <, 0.05);
  g_assert_cmpfloat(fabs((double)t.delivered[1] - t.delivered[2]) / (t.delivered[1] + t.delivered[2]), <, 0.05);
  /* The channel is never idle when saturated, and all frames cross twice, so the device-to-device goodput of
   * both together is below what one station alone gets through the AP. */
  g_assert_cmpfloat(channel_busy_ns(ch), >=, 1.9e9);
  channel_free(ch);
}

static void test_slower_station_slows_the_other(void)
{
  /* 802.11's performance anomaly: a slow station takes most airtime and drags the fast one down. */
  AirProfile p;
  air_profile_80211ac(&p);
  Tally fast_alone = {0}, mixed = {0};
  AirStationConfig cfg;
  air_station_config_init(&cfg);
  Channel *a = channel_new(&p, 1, 1.0);
  channel_configure_station(a, 1, &cfg);
  channel_configure_station(a, 2, &cfg);
  saturate(a, 1.0, &fast_alone);
  Channel *b = channel_new(&p, 1, 1.0);
  channel_configure_station(b, 1, &cfg);
  cfg.phy_rate_bps = 29300000;
  channel_configure_station(b, 2, &cfg);
  saturate(b, 1.0, &mixed);
  g_test_message("station 1 delivered %" G_GUINT64_FORMAT " frames with a fast peer, %" G_GUINT64_FORMAT
                 " with a slow one", fast_alone.delivered[1], mixed.delivered[1]);
  g_assert_cmpuint(mixed.delivered[1] * 2, <, fast_alone.delivered[1]);
  channel_free(a);
  channel_free(b);
}

static void test_retries_from_per(void)
{
  AirProfile p;
  air_profile_80211ac(&p);
  Channel *ch = channel_new(&p, 3, 1.0);
  AirStationConfig cfg;
  air_station_config_init(&cfg);
  cfg.per = 0.3;
  channel_configure_station(ch, 1, &cfg);
  channel_configure_station(ch, 2, &cfg);
  Tally t = {0};
  saturate(ch, 0.5, &t);
  /* With 30% PER and 7 retries, (almost) everything arrives, but slower than loss-free. */
  Channel *clean = channel_new(&p, 3, 1.0);
  air_station_config_init(&cfg);
  channel_configure_station(clean, 1, &cfg);
  channel_configure_station(clean, 2, &cfg);
  Tally tc = {0};
  saturate(clean, 0.5, &tc);
  g_test_message("delivered with PER 30%%: %" G_GUINT64_FORMAT ", clean: %" G_GUINT64_FORMAT, t.delivered[1],
                 tc.delivered[1]);
  g_assert_cmpuint(t.delivered[1], <, tc.delivered[1] * 0.85);
  channel_free(ch);
  channel_free(clean);
}

static void test_rate_from_distance(void)
{
  PathLossModel m;
  path_loss_default(&m);
  guint64 near, far;
  double per_near, per_far;
  airtime_rate_for_snr(path_loss_snr_db(&m, 3), &near, &per_near);
  airtime_rate_for_snr(path_loss_snr_db(&m, 40), &far, &per_far);
  g_test_message("3 m: %.1f Mbit/s PER %.3f; 40 m: %.1f Mbit/s PER %.3f", near / 1e6, per_near, far / 1e6, per_far);
  g_assert_cmpuint(near, ==, 390000000);
  g_assert_cmpuint(far, <, near);
  g_assert_cmpfloat(per_near, <, 0.01);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/netem/airtime/exchange_math", test_exchange_math);
  g_test_add_func("/netem/airtime/goodput_realistic", test_goodput_realistic);
  g_test_add_func("/netem/airtime/two_saturated_share", test_two_saturated_stations_share);
  g_test_add_func("/netem/airtime/slow_station_anomaly", test_slower_station_slows_the_other);
  g_test_add_func("/netem/airtime/retries_from_per", test_retries_from_per);
  g_test_add_func("/netem/airtime/rate_from_distance", test_rate_from_distance);
  return g_test_run();
}
