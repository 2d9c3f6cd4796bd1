/* test_report: `dmx report`'s pieces and the run timeline, on hand-made run directories (native, fast).
 *
 *   json          summary.json reader: values, paths, errors with a line number
 *   percentile    fps.p5's percentile and the FPS statistics' choice of seconds
 *   paper         the paper's values per scenario and policy (Table 2 for scenarios/power.ini)
 *   app-frames    home-theater's per-frame report -> frames.csv, stall_ms_per_frame, the movie's frame rate
 *   app-photos    photo-classify's output -> completion_s, forwarded/migrated per file-size bucket
 *   status-line   the live progress line (time, FPS, ETA)
 *   power         the power table (devices.NAME.power_mw, parts, model/paper) and the power figure
 *   timeline      a synthetic run (screen-frames.csv, cpu.stats, a hand-written medium.pcap): timeline.csv's
 *                 columns and rows, per-device energy against the model's equations by hand
 *   summary-dsm   a device's dsm.json -> its "dsm" totals in summary.json
 *   dsm-table     those totals -> `dmx report`'s DSM table
 *   report-errors a missing directory and one without summary.json: exit 66; a complete one: 0 */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app_frames.h"
#include "app_edges.h"
#include "app_photos.h"
#include "power_cpu.h"
#include "report.h"
#include "report_gnuplot.h"
#include "report_json.h"
#include "report_paper.h"
#include "report_plot.h"
#include "report_dsm.h"
#include "report_power.h"
#include "run_dsm.h"
#include "status.h"
#include "timeline.h"
#include "timeline_fps.h"
#include "timeline_migrations.h"
#include "timeline_recoveries.h"

#include "test_tree.h"

static void test_json(void) {
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxJson) j = dmx_json_parse(
      "{\"a\": 1.5, \"s\": \"x\\\"y\\u0041\", \"o\": {\"b\": [1, 2, {\"c\": null}], \"t\": true},\n \"n\": -2e3}",
      &err);
  g_assert_no_error(err);
  double v;
  g_assert_true(dmx_json_number(j, "a", &v));
  g_assert_cmpfloat(v, ==, 1.5);
  g_assert_true(dmx_json_number(j, "n", &v));
  g_assert_cmpfloat(v, ==, -2000);
  g_assert_cmpstr(dmx_json_string(j, "s", NULL), ==, "x\"yA");
  g_assert_cmpint(dmx_json_path(j, "o.b")->items->len, ==, 3);
  g_assert_true(dmx_json_path(j, "o.t")->b);
  g_assert_null(dmx_json_path(j, "o.missing"));
  g_assert_false(dmx_json_number(j, "s", &v));
  g_assert_cmpstr(dmx_json_string(j, "nope", "def"), ==, "def");
  DmxJson *bad = dmx_json_parse("{\"a\": 1,\n \"b\" 2}", &err);
  g_assert_null(bad);
  g_assert_nonnull(strstr(err->message, "line 2"));
  g_clear_error(&err);
  g_assert_null(dmx_json_parse("[1, 2] x", &err));
  g_clear_error(&err);
  g_assert_null(dmx_json_parse("\"open", &err));
}

static void test_percentile(void) {
  double v[] = {10, 1, 5, 3, 7};
  g_assert_cmpfloat_with_epsilon(dmx_percentile(v, 5, 0), 1, 1e-12);
  g_assert_cmpfloat_with_epsilon(dmx_percentile(v, 5, 50), 5, 1e-12);
  g_assert_cmpfloat_with_epsilon(dmx_percentile(v, 5, 100), 10, 1e-12);
  g_assert_cmpfloat_with_epsilon(dmx_percentile(v, 5, 5), 1 + 0.2 * 2, 1e-12); /* rank 0.2 between 1 and 3 */
  /* Active seconds: frames in seconds 2..5 of a 6.5 s run; the cut-short last second (6) is not counted. */
  double fps[7] = {0, 0, 10, 20, 20, 20, 0};
  DmxFpsSeries s = {.n_seconds = 7, .fps = fps, .frames = 70, .first_s = 2.1, .last_s = 5.9};
  double mean, p5;
  guint n;
  g_assert_true(dmx_fps_series_stats(&s, 6.5, 0, &mean, &p5, &n));
  g_assert_cmpuint(n, ==, 4);
  g_assert_cmpfloat_with_epsilon(mean, 17.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(p5, 10 + 0.15 * 10, 1e-12);
  /* fps_from_s = 3: the settling seconds 2 (10 FPS) drop out of a steady-state mean */
  g_assert_true(dmx_fps_series_stats(&s, 6.5, 3, &mean, &p5, &n));
  g_assert_cmpuint(n, ==, 3);
  g_assert_cmpfloat_with_epsilon(mean, 20, 1e-12);
  g_assert_false(dmx_fps_series_stats(&s, 6.5, 6, &mean, &p5, &n));   /* nothing left after it */
  s.last_s = 6.2; /* a frame in the cut-short second: still left out */
  g_assert_true(dmx_fps_series_stats(&s, 6.5, 0, &mean, &p5, &n));
  g_assert_cmpuint(n, ==, 4);
  g_assert_cmpfloat(dmx_fps_target("home-theater"), ==, 24);
  g_assert_cmpfloat(dmx_fps_target("home-theater-bandwidth"), ==, 24);
  g_assert_cmpfloat(dmx_fps_target("hello"), <, 0);
}

static void test_paper(void) {
  DmxPaperValues p;
  g_assert_true(dmx_paper_values("home-theater", "rf", &p));
  g_assert_cmpfloat(p.fps, ==, 8.2);
  g_assert_cmpfloat(p.master_mw, ==, 4985.90);
  g_assert_cmpfloat(p.screen_mw, ==, 5151.37);
  g_assert_true(dmx_paper_values("home-theater", "dynamix", &p));
  g_assert_cmpfloat(p.fps, ==, 24);
  g_assert_cmpfloat(p.master_mw, ==, 2956.55);
  g_assert_cmpfloat(p.screen_mw, ==, 6480.51);
  g_assert_false(p.like_for_like); /* the home theater's screen device is a TV box, not a Nexus 5 */
  g_assert_false(dmx_paper_values("home-theater", "local", &p));
  g_assert_false(dmx_paper_values("hello", "rf", &p));
  /* scenarios/power.ini is Table 2's setup */
  g_assert_true(dmx_paper_values("power", "rf", &p));
  g_assert_true(p.like_for_like);
  g_assert_cmpfloat(p.master_mw, ==, 4985.90);
  g_assert_cmpfloat(p.screen_mw, ==, 5151.37);
  g_assert_true(dmx_paper_values("power", "dynamix", &p));
  g_assert_cmpfloat(p.master_mw + p.screen_mw, ==, 2956.55 + 6480.51);
  g_assert_false(dmx_paper_values("power", "local", &p));
  /* Table 1: forwarded share per size bucket under DynaMix */
  double pct;
  g_assert_true(dmx_paper_photo_forwarded_pct("dynamix", 0, &pct));
  g_assert_cmpfloat(pct, ==, 87.8);
  g_assert_true(dmx_paper_photo_forwarded_pct("dynamix", 4, &pct));
  g_assert_cmpfloat(pct, ==, 0);
  g_assert_false(dmx_paper_photo_forwarded_pct("dynamix", 5, &pct));
  g_assert_false(dmx_paper_photo_forwarded_pct("rf", 0, &pct));
}

static void put(const char *dir, const char *rel, const char *text) {
  g_autofree char *path = g_build_filename(dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname(path);
  g_mkdir_with_parents(parent, 0755);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* A classic little-endian microsecond pcap record from device SRC to DST (0xff: broadcast) at wall time T_US. */
static void pcap_frame(GByteArray *b, guint64 t_us, guint8 src, guint8 dst, guint32 len) {
  guint32 rec[4] = {(guint32)(t_us / 1000000), (guint32)(t_us % 1000000), len, len};
  g_byte_array_append(b, (guint8 *)rec, sizeof rec);
  guint8 frame[64] = {0};
  guint8 d[6] = {0x02, 0xdd, 0, 0, 0, dst}, s[6] = {0x02, 0xdd, 0, 0, 0, src};
  if (dst == 0xff)
    memset(d, 0xff, 6);
  memcpy(frame, d, 6);
  memcpy(frame + 6, s, 6);
  g_assert_cmpuint(len, <=, sizeof frame);
  g_byte_array_append(b, frame, len);
}

static char *make_run_dir(void) {
  g_autoptr(GError) err = NULL;
  char *dir = g_dir_make_tmp("test_report_XXXXXX", &err);
  g_assert_no_error(err);
  return dir;
}

/* Run of 3.5 emulated s at TDF 2, epoch 1000 s monotonic and 1700000000 s wall.
 * Device a (index 1): screen frames at 0.5, 1.0, 1.25, 1.5, 2.5 s; 0.7 s busy. Device b (index 2): nothing. */
static void test_timeline(void) {
  g_autofree char *dir = make_run_dir();
  const gint64 epoch = 1000000000000LL, wall = 1700000000000000000LL;
  GString *frames = g_string_new("seq,present_ns,bytes,checksum\n");
  double at[] = {0.5, 1.0, 1.25, 1.5, 2.5};
  for (guint i = 0; i < G_N_ELEMENTS(at); i++)
    g_string_append_printf(frames, "%u,%" G_GINT64_FORMAT ",100,0\n", i, epoch + (gint64)(at[i] * 1e9));
  put(dir, "devices/a/screen-frames.csv", frames->str);
  g_string_free(frames, TRUE);
  put(dir, "devices/a/cpu.stats", "# devmodel 1 pid=1 ips=1000 cores=2 tdf=2\ntid insns busy_ns run_ns sleep_ns "
                                  "sys_ns lag_ns syscalls state\ndevice 700 700000000 700000000 0 0 0 1 1\n");
  /* Wall time of emulated t at TDF 2: wall + 2 t. Frames: a->b 60 B at 0.2 s, b->a 50 B at 0.205 s, a broadcast
   * 42 B at 1.3 s, a->b 60 B at 4.0 s (after the end: ignored). */
  GByteArray *pcap = g_byte_array_new();
  guint32 hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
  g_byte_array_append(pcap, (guint8 *)hdr, sizeof hdr);
  guint64 w_us = wall / 1000;
  pcap_frame(pcap, w_us + 400000, 1, 2, 60);
  pcap_frame(pcap, w_us + 410000, 2, 1, 50);
  pcap_frame(pcap, w_us + 2600000, 1, 0xff, 42);
  pcap_frame(pcap, w_us + 8000000, 1, 2, 60);
  g_autofree char *pcap_path = g_build_filename(dir, "medium.pcap", NULL);
  g_assert_true(g_file_set_contents(pcap_path, (char *)pcap->data, pcap->len, NULL));
  g_byte_array_unref(pcap);

  /* b's speaker: 800 frames (0.1 s of samples), but its stream was active from 0.5 s to 2.0 s (underruns). */
  g_autofree char *spk = g_strdup_printf("rate,channels,frames_written,underruns,first_write_ns,played_until_ns\n"
                                         "8000,1,800,2,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "\n",
                                         epoch + 500000000, epoch + 2000000000);
  put(dir, "devices/b/speaker.csv", spk);
  DmxPowerCoeffs c = {.cores = 2, .cpu_idle_mw = 100, .cpu_active_mw = 500, .wifi_idle_mw = 10,
                      .wifi_high_mw = 700, .wifi_tail_mw = 200, .wifi_tail_s = 0.2, .wifi_tx_mw_per_mbit = 6,
                      .wifi_rx_mw_per_mbit = 4, .screen_base_mw = 300, .screen_brightness_mw = 800,
                      .audio_mw = 120, .brightness = 0.5};
  DmxTimelineDevice devs[2] = {{.name = "a", .index = 1, .has_coeffs = TRUE, .coeffs = c},
                               {.name = "b", .index = 2, .has_coeffs = TRUE, .coeffs = c}};
  DmxTimelineInput in = {.run_dir = dir, .scenario = "home-theater", .epoch_ns = epoch, .wall_epoch_ns = wall,
                         .tdf = 2, .duration_s = 3.5, .devices = devs, .n_devices = 2};
  DmxTimelineResult r;
  g_autoptr(GError) err = NULL;
  g_assert_true(dmx_timeline_build(&in, &r, &err));
  g_assert_no_error(err);
  g_assert_cmpstr(r.traffic_source, ==, "medium.pcap");
  g_assert_cmpuint(r.n_seconds, ==, 4);
  g_assert_cmpint(r.fps_device, ==, 0);
  g_assert_cmpfloat(r.fps_target, ==, 24);
  /* Active seconds 0..2 with 1, 3, 1 frames. */
  g_assert_cmpuint(r.fps_seconds, ==, 3);
  g_assert_cmpfloat_with_epsilon(r.fps_mean, 5.0 / 3, 1e-9);

  /* Device a by hand: CPU 0.2 busy cores; screen on [0.5, 2.5) at 700 mW; Wi-Fi 10 ms bins: bin 20 high with
   * 60 B tx and 50 B rx, tail 0.2 s, bin 130 high (42 B tx), tail 0.2 s, idle otherwise. */
  double bin = 0.01, mbit = 8 / 1e6 / bin;
  double e_cpu = (100 + 0.2 * 500) * 3.5;
  double e_screen = 700 * 2.0;
  double e_wifi = (700 + 60 * mbit * 6 + 50 * mbit * 4) * bin + (700 + 42 * mbit * 6) * bin + 200 * 0.4 +
                  10 * (3.5 - 2 * bin - 0.4);
  g_assert_cmpfloat_with_epsilon(r.power[0].e_cpu_j, e_cpu / 1e3, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power[0].e_screen_j, e_screen / 1e3, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power[0].e_wifi_j, e_wifi / 1e3, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power[0].energy_j, (e_cpu + e_screen + e_wifi) / 1e3, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power[0].power_mw, (e_cpu + e_screen + e_wifi) / 3.5, 1e-6);
  /* Device b: no cpu.stats (idle CPU), no screen; rx of the two frames to it, tx of one. */
  double e_wifi_b = (700 + 50 * mbit * 6 + 60 * mbit * 4) * bin + (700 + 42 * mbit * 4) * bin + 200 * 0.4 +
                    10 * (3.5 - 2 * bin - 0.4);
  g_assert_cmpfloat_with_epsilon(r.power[1].e_wifi_j, e_wifi_b / 1e3, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power[1].e_cpu_j, 100 * 3.5 / 1e3, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power[1].e_audio_j, 120 * 1.5 / 1e3, 1e-9);     /* the active span */
  g_assert_cmpfloat(r.power[0].e_audio_j, ==, 0);
  g_assert_cmpfloat_with_epsilon(r.power_total_mw, r.power[0].power_mw + r.power[1].power_mw, 1e-9);

  g_autofree char *tl_path = g_build_filename(dir, "timeline.csv", NULL);
  g_autofree char *tl = NULL;
  g_assert_true(g_file_get_contents(tl_path, &tl, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(tl, "\n", -1);
  g_assert_cmpstr(lines[0], ==, "t_s,fps_a,bytes_a_b,bytes_b_a,cpu_util_a,cpu_util_b,power_mw_a,power_mw_b,"
                                "power_total_mw");
  g_assert_true(g_str_has_prefix(lines[1], "0,1,60,50,0.1000,0.0000,"));
  g_assert_true(g_str_has_prefix(lines[2], "1,3,0,0,0.1000,0.0000,"));
  g_assert_true(g_str_has_prefix(lines[4], "3,0,0,0,"));
  g_assert_null(lines[5] && *lines[5] ? lines[5] : NULL);
  dmx_timeline_result_clear(&r, 2);

  /* Without a usable pcap epoch the traffic comes from traffic.csv, spread evenly; a speaker.csv without the span
   * (from before it was written) counts frames / rate from 0. */
  put(dir, "traffic.csv", "src,dst,sent_frames,sent_bytes\na,b,1,700\n");
  put(dir, "devices/b/speaker.csv", "rate,channels,frames_written,underruns\n8000,1,800,2\n");
  in.wall_epoch_ns = 0;
  g_assert_true(dmx_timeline_build(&in, &r, NULL));
  g_assert_cmpstr(r.traffic_source, ==, "traffic.csv (totals spread evenly)");
  double per_bin_mbit = 700.0 / 350 * mbit;
  g_assert_cmpfloat_with_epsilon(r.power[0].e_wifi_j, (700 + per_bin_mbit * 6) * 3.5 / 1e3, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power[1].e_audio_j, 120 * 0.1 / 1e3, 1e-9);
  dmx_timeline_result_clear(&r, 2);
  remove_tree(dir);
}

static void test_migrations(void) {
  g_autofree char *dir = make_run_dir();
  put(dir, "devices/b/migrations.csv", "thread,from,to,t_request_ns,t_done_ns,downtime_ns,diff_bytes,page_bytes,"
                                       "bytes_moved\n3,1,2,11000000000,11500000000,500000000,10,20,30\n"
                                       "1,1,2,10000000000,10250000000,250000000,1,2,3\n");
  g_autoptr(GArray) m = dmx_migrations_read(dir, 1000000000);
  g_assert_cmpuint(m->len, ==, 2);
  DmxMigration *first = &g_array_index(m, DmxMigration, 0);
  g_assert_cmpuint(first->thread, ==, 1);
  g_assert_cmpfloat_with_epsilon(first->t_done_s, 9.25, 1e-9);
  g_assert_cmpfloat_with_epsilon(first->downtime_ms, 250, 1e-9);
  g_assert_cmpuint(g_array_index(m, DmxMigration, 1).bytes_moved, ==, 30);
  remove_tree(dir);
}

/* dsm.json (runtime/dsm_runtime.c) -> a device's "dsm" in summary.json: faults summed, ns as ms; nothing for a
 * device without one (killed), and a warning, not a failure, for a torn one. */
static void test_summary_dsm(void) {
  g_autofree char *dir = make_run_dir();
  put(dir, "devices/tv/dsm.json", "{\"device\":2,\"read_faults\":3,\"write_faults\":4,\"diff_bytes_pushed\":5000,"
                                  "\"fetch_stall_ns\":2500000,\"lock_stall_ns\":1000,\"checkpoints\":7,"
                                  "\"freed_pages_skipped\":9,\"threads\":[{\"id\":1,\"faults\":7}]}\n");
  g_autofree char *tv = dmx_run_dsm_json(dir, "tv");
  g_assert_nonnull(strstr(tv, ", \"dsm\": {\"faults\": 7, "));
  g_assert_nonnull(strstr(tv, "\"diff_bytes_pushed\": 5000, "));
  g_assert_nonnull(strstr(tv, "\"fetch_stall_ms\": 2.500, "));
  g_assert_nonnull(strstr(tv, "\"lock_stall_ms\": 0.001, \"checkpoints\": 7, "));
  g_assert_nonnull(strstr(tv, "\"freed_pages_skipped\": 9}"));
  g_autofree char *summary = g_strdup_printf("{\"devices\": {\"tv\": {\"index\": 2%s}}}", tv);
  g_autoptr(DmxJson) j = dmx_json_parse(summary, NULL);
  double v = 0;
  g_assert_true(dmx_json_number(j, "devices.tv.dsm.checkpoints", &v));
  g_assert_cmpfloat(v, ==, 7);
  g_autofree char *phone = dmx_run_dsm_json(dir, "phone");
  g_assert_cmpstr(phone, ==, "");
  put(dir, "devices/phone/dsm.json", "{\"device\":1,\"read_fau");
  if (g_test_subprocess()) {
    g_autofree char *torn = dmx_run_dsm_json(dir, "phone");
    g_assert_cmpstr(torn, ==, "");
    remove_tree(dir);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*devices/phone/dsm.json*");
  remove_tree(dir);
}

/* `dmx report`'s DSM table: a row per device with DSM totals, none for one without, nothing at all without any. */
static void test_dsm_table(void) {
  if (g_test_subprocess()) {
    const char *text = "{\"devices\": {\"phone\": {\"index\": 1, \"dsm\": {\"faults\": 12, "
                       "\"page_bytes_received\": 2500000, \"diff_bytes_pushed\": 5000, \"fetch_stall_ms\": 1500, "
                       "\"lock_stall_ms\": 250, \"checkpoints\": 131}}, \"speaker\": {\"index\": 3}}}";
    g_autoptr(DmxJson) j = dmx_json_parse(text, NULL);
    dmx_report_dsm(j);
    g_autoptr(DmxJson) none = dmx_json_parse("{\"devices\": {\"phone\": {\"index\": 1}}}", NULL);
    dmx_report_dsm(none);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stdout("  DSM       device        faults   pages in  diffs out  fetch wait  lock wait checkpoints\n"
                            "            phone             12     2.5 MB     5.0 kB      1.50 s     0.25 s         131\n");
}

/* recoveries.csv (thread_recovery.c) -> what summary.json's recoveries say: by resume time, a torn line skipped. */
static void test_recoveries(void) {
  g_autofree char *dir = make_run_dir();
  put(dir, "devices/phone/recoveries.csv", "thread,lost_device,action,t_lost_ns,t_resumed_ns,recovery_ns,"
                                           "bytes_fetched\n2,3,resume,4000000000,4063000000,63000000,12768\n"
                                           "1,3,restart,4000000000,4020000000,20000000,0\n1,3,res");
  g_autoptr(GArray) r = dmx_recoveries_read(dir, 1000000000);
  g_assert_cmpuint(r->len, ==, 2);
  const DmxRecovery *first = &g_array_index(r, DmxRecovery, 0), *second = &g_array_index(r, DmxRecovery, 1);
  g_assert_cmpuint(first->thread, ==, 1);
  g_assert_false(first->resumed);
  g_assert_cmpfloat_with_epsilon(first->t_lost_s, 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(first->recovery_ms, 20, 1e-9);
  g_assert_true(second->resumed);
  g_assert_cmpuint(second->lost_device, ==, 3);
  g_assert_cmpfloat_with_epsilon(second->t_resumed_s, 3.063, 1e-9);
  g_assert_cmpuint(second->bytes_fetched, ==, 12768);
  remove_tree(dir);
}

/* home-theater's per-frame report -> frames.csv, the stall per frame and the movie's frame rate, by hand. */
static void test_app_frames(void) {
  g_autofree char *dir = make_run_dir();
  const gint64 epoch = 5000000000LL;
  put(dir, "devices/phone/home-theater-frames.csv",
      "seq,pts_ms,decode_us,wait_us,present_us,net_us,present_ns,late,av_offset_ms,checksum\n"
      "0,0.000,8000,100,900,0,5100000000,0,-0.9,a5\n"
      "1,41.667,6000,100,90000,80000,5200000000,1,-8.7,3f\n"
      "2,83.333,7000,100,130000,120000,5350000000,1,-8.7,40\n"
      "3,125.000,5000,100,40000,40000,5400000000,0,0.0,41\n");
  const char *names[] = {"tv", "phone", NULL};
  DmxAppFrames f;
  g_autoptr(GError) err = NULL;
  g_assert_true(dmx_app_frames_collect(dir, names, epoch, &f, &err));
  g_assert_no_error(err);
  g_assert_cmpstr(f.device, ==, "phone");
  g_assert_cmpuint(f.frames, ==, 4);
  g_assert_cmpfloat_with_epsilon(f.stall_ms_mean, (0 + 80 + 120 + 40) / 4.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(f.stall_ms_max, 120, 1e-9);
  g_assert_cmpfloat_with_epsilon(f.stall_ms_p95, 80 + 0.85 * 40, 1e-9); /* rank 2.85 of 0, 40, 80, 120 */
  g_assert_cmpfloat_with_epsilon(f.decode_ms_mean, 6.5, 1e-9);
  g_assert_cmpfloat_with_epsilon(f.media_fps, 1000 / 41.667, 1e-3);  /* median pts step */
  g_autofree char *json = dmx_app_frames_json(&f);
  g_assert_nonnull(strstr(json, "\"stall_ms_per_frame\": {\"mean\": 60.000, \"p95\": 114.000, \"max\": 120.000, "
                                "\"frames\": 4, \"source\": \"devices/phone/home-theater-frames.csv net_us\"}"));
  g_autofree char *csv_path = g_build_filename(dir, "frames.csv", NULL);
  g_autofree char *csv = NULL;
  g_assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
  g_assert_true(g_str_has_prefix(csv, "seq,pts_s,decode_ms,stall_ms,present_s,late\n0,0.000,8.000,0.000,0.100000,0\n"
                                      "1,0.042,6.000,80.000,0.200000,1\n"));
  dmx_app_frames_clear(&f);
  /* No report anywhere: no frames.csv, nulls in the summary; a broken one names its file and line. */
  const char *none[] = {"tv", NULL};
  g_assert_true(dmx_app_frames_collect(dir, none, epoch, &f, NULL));
  g_assert_null(f.device);
  g_autofree char *null_json = dmx_app_frames_json(&f);
  g_assert_nonnull(strstr(null_json, "\"mean\": null"));
  put(dir, "devices/tv/home-theater-frames.csv", "seq,pts_ms,decode_us,wait_us,present_us,net_us,present_ns\n0,x\n");
  g_assert_false(dmx_app_frames_collect(dir, none, epoch, &f, &err));
  g_assert_nonnull(strstr(err->message, "home-theater-frames.csv:2:"));
  dmx_app_frames_clear(&f);
  remove_tree(dir);
}

/* photo-classify's stdout -> completion time and forwarded/migrated per size bucket, by hand. */
static void test_app_photos(void) {
  g_autofree char *dir = make_run_dir();
  put(dir, "devices/phone/stdout.log",
      "photo a.jpg bytes=5000 size=1x1 label=1 score=0.1 read_ms=1 decode_ms=1 infer_ms=1 from=phone forwarded=0 "
      "handled_on=1\n"
      "photo b.jpg bytes=6000 size=1x1 label=1 score=0.1 read_ms=1 decode_ms=1 infer_ms=1 from=tv forwarded=3 "
      "handled_on=1\n"
      "photo c.jpg bytes=9000 size=1x1 label=1 score=0.1 read_ms=1 decode_ms=1 infer_ms=1 from=tv forwarded=0 "
      "handled_on=2\n"
      "photo d.jpg bytes=10000000 size=1x1 label=1 score=0.1 read_ms=1 decode_ms=1 infer_ms=1 from=tv forwarded=0 "
      "handled_on=2\n"
      "skip /dev/dmx/storage/e.jpg (on device tv): corrupt\n"
      "photo-classify: photos=4 skipped=1 threads=2 alpha=0.25 macs_per_photo=1 seconds=12.345 photos_per_s=0.3 "
      "labels=00\n");
  g_autoptr(GHashTable) idx = g_hash_table_new(g_str_hash, g_str_equal);
  g_hash_table_insert(idx, "phone", GINT_TO_POINTER(1));
  g_hash_table_insert(idx, "tv", GINT_TO_POINTER(2));
  g_autofree char *log = g_build_filename(dir, "devices/phone/stdout.log", NULL);
  DmxAppPhotos p;
  dmx_app_photos_read(log, idx, "phone", &p);
  g_assert_true(p.found);
  g_assert_cmpfloat(p.completion_s, ==, 12.345);
  g_assert_cmpuint(p.photos, ==, 4);
  g_assert_cmpuint(p.remote[0], ==, 2);    /* b, c: < 10 kB (a is the master's own) */
  g_assert_cmpuint(p.forwarded[0], ==, 1); /* b: read by forwarding */
  g_assert_cmpuint(p.migrated[0], ==, 1);  /* c: handled on its owner */
  g_assert_cmpuint(dmx_photo_bucket(10000000), ==, 4); /* the paper's last column is <= 10 MB */
  g_assert_cmpuint(dmx_photo_bucket(10000001), ==, 5);
  g_assert_cmpuint(p.migrated[4], ==, 1);
  g_autofree char *json = dmx_app_photos_json(&p);
  g_assert_nonnull(strstr(json, "\"completion_s\": 12.345,\n"));
  g_assert_nonnull(strstr(json, "\"forwarded_pct\": {\"<10K\": 50.0, \"<100K\": null, \"<1M\": null, \"<5M\": null, "
                                "\"<=10M\": 0.0, \">10M\": null}"));
  g_assert_nonnull(strstr(json, "\"migrated_pct\": {\"<10K\": 50.0,"));
  g_assert_nonnull(strstr(json, "\"remote\": 3"));
  /* Not a photo-classify run: nothing. */
  dmx_app_photos_read("/nonexistent/stdout.log", idx, "phone", &p);
  g_autofree char *empty = dmx_app_photos_json(&p);
  g_assert_cmpstr(empty, ==, "");
  remove_tree(dir);
}

/* surveillance's stdout -> the mean latency per frame and its parts, by hand; other lines are ignored. */
static void test_app_edges(void) {
  g_autofree char *dir = make_run_dir();
  put(dir, "devices/phone/stdout.log",
      "edge seq=0 checksum=00000000deadbeef frame=0 capture_ns=100 canny_us=20000 latency_us=50000 net_us=10000 "
      "wait_us=20000\n"
      "surveillance: /dev/dmx/screen: not an edge line\n"
      "edge seq=1 checksum=0123456789abcdef frame=1 capture_ns=200 canny_us=30000 latency_us=70000 net_us=30000 "
      "wait_us=10000\n"
      "surveillance: frames=2 fps=29.97 mean_canny_us=25000 mean_latency_us=60000 dropped=0 combined=00\n");
  g_autofree char *log = g_build_filename(dir, "devices/phone/stdout.log", NULL);
  DmxAppEdges e;
  dmx_app_edges_read(log, &e);
  g_assert_cmpuint(e.frames, ==, 2);
  g_assert_cmpfloat_with_epsilon(e.compute_ms, 25, 1e-9);
  g_assert_cmpfloat_with_epsilon(e.network_ms, 20, 1e-9);
  g_assert_cmpfloat_with_epsilon(e.wait_ms, 15, 1e-9);
  g_assert_cmpfloat_with_epsilon(e.total_ms, 60, 1e-9);
  g_autofree char *json = dmx_app_edges_json(&e, "devices/phone/stdout.log");
  g_assert_cmpstr(json, ==, "  \"latency_ms_per_frame\": {\"total\": 60.000, \"compute\": 25.000, \"network\": "
                            "20.000, \"wait\": 15.000, \"frames\": 2, \"source\": \"devices/phone/stdout.log edge "
                            "lines\"},\n");
  dmx_app_edges_read("/nonexistent/stdout.log", &e); /* not a surveillance run: nothing */
  g_autofree char *empty = dmx_app_edges_json(&e, "x");
  g_assert_cmpstr(empty, ==, "");
  remove_tree(dir);
}

static void test_status_line(void) {
  g_autofree char *full = dmx_status_format("power/rf", 2.5, 10, 8, 7.04, 15.26, 2, 2);
  g_assert_cmpstr(full, ==, "dmx: power/rf  t=2.5/10 s  tdf 8  fps 7.0 (mean 15.3)  ETA 1:00  devices 2/2 up");
  g_autofree char *bare = dmx_status_format("hello/local", 0.4, 0, 1, -1, -1, 3, 3);
  g_assert_cmpstr(bare, ==, "dmx: hello/local  t=0.4 s  tdf 1  devices 3/3 up");
  g_autofree char *past = dmx_status_format("x/rf", 12, 10, 4, -1, 3, 1, 2);
  g_assert_cmpstr(past, ==, "dmx: x/rf  t=12.0/10 s  tdf 4  fps mean 3.0  ETA 0:00  devices 1/2 up");
}

/* The power table and figure of a run in Table 2's setup (devices.NAME.power_mw, DESIGN.md §8). */
static void test_report_power(void) {
  g_autofree char *dir = make_run_dir();
  put(dir, "summary.json",
      "{\"scenario\": \"power\", \"policy\": \"rf\", \"duration_s\": 10, \"power_total_mw\": 3000, \"power_model\": "
      "\"M\", \"fps\": {\"screen\": \"phone2\"}, \"screens\": {\"phone2\": {\"frames\": 80}}, \"devices\": {"
      " \"phone\": {\"index\": 1, \"model\": \"nexus5\", \"power_mw\": 1000, \"energy_j\": 10,"
      " \"energy_parts_j\": {\"cpu\": 4, \"wifi\": 3, \"screen\": 0, \"audio\": 3}},"
      " \"phone2\": {\"index\": 2, \"model\": \"nexus5\", \"power_mw\": 2000, \"energy_j\": 20,"
      " \"energy_parts_j\": {\"cpu\": 1, \"wifi\": 3, \"screen\": 16, \"audio\": 0}},"
      " \"tv\": {\"index\": 3, \"model\": \"shieldtv\", \"power_mw\": 50, \"energy_j\": 0.5}}}");
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(g_build_filename(dir, "summary.json", NULL), &text, NULL, NULL));
  g_autoptr(DmxJson) s = dmx_json_parse(text, NULL);
  DmxPaperValues paper;
  g_assert_true(dmx_paper_values("power", "rf", &paper));
  g_auto(DmxPowerRows) rows = {0};
  dmx_power_rows_init(&rows);
  if (g_test_subprocess()) {
    dmx_report_power(s, &paper, &rows);
    remove_tree(dir);
    return;
  }
  fflush(stdout); /* the table goes to the subprocess's stdout below; here only ROWS matter (TAP stays clean) */
  int saved = dup(STDOUT_FILENO), null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  g_assert_cmpint(dup2(null_fd, STDOUT_FILENO), ==, STDOUT_FILENO);
  dmx_report_power(s, &paper, &rows);
  fflush(stdout);
  g_assert_cmpint(dup2(saved, STDOUT_FILENO), ==, STDOUT_FILENO);
  close(saved);
  close(null_fd);
  g_assert_cmpuint(rows.names->len, ==, 3);
  g_assert_cmpfloat(g_array_index(rows.parts_mw, double, 0), ==, 400); /* 4 J over 10 s */
  g_assert_cmpfloat(g_array_index(rows.parts_mw, double, DMX_POWER_PARTS + 2), ==, 1600);
  g_assert_cmpfloat(g_array_index(rows.paper_mw, double, 1), ==, 5151.37);
  g_assert_cmpfloat(g_array_index(rows.paper_mw, double, 2), <, 0);
  g_test_trap_subprocess("/report/power", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stdout("*a MODEL, an estimate*");
  g_test_trap_assert_stdout("*phone * nexus5 * master * 1000.0 * 10.00 * 400 * 300 * 0 * 300   paper 4985.90 "
                            "  model/paper 0.20*");
  g_test_trap_assert_stdout("*phone2 * screen device * 2000.0 *paper 5151.37 * model/paper 0.39*");
  g_test_trap_assert_stdout("*master + screen device * 3000.0   paper 10137.27  model/paper 0.30 (paper Table 2, RF)*");
  g_test_trap_assert_stdout("*the paper MEASURED two Nexus 5 phones*");
  /* 10 J on the master and 30 J with the screen device for 80 frames; the paper's 10137.27 mW at 8.2 FPS */
  g_test_trap_assert_stdout("*per presented frame: master 125.0 mJ, master + screen device 375.0 mJ   paper 1236.3 mJ "
                            "(Table 2 mW / 8.2 FPS) over 80 frames*");
  /* The figure: the model's parts and the paper's value per device, NaN where the paper has none. */
  if (!dmx_gnuplot_has_terminal("png")) {
    g_test_skip("gnuplot with a png terminal is not installed");
    remove_tree(dir);
    return;
  }
  put(dir, "timeline.csv", "t_s,power_total_mw\n0,3000\n"); /* no screen: no FPS figure */
  DmxPlotInput pin = {.run_dir = dir, .title = "power / rf", .fps_target = -1, .duration_s = 10, .power = &rows,
                      .paper_label = paper.power_source};
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) err = NULL;
  g_assert_true(dmx_plot_figures(&pin, files, &err));
  g_assert_no_error(err);
  g_autofree char *png = g_build_filename(dir, "figures", "power.png", NULL);
  g_assert_true(g_file_test(png, G_FILE_TEST_EXISTS));
  g_autofree char *dat = NULL;
  g_assert_true(g_file_get_contents(g_build_filename(dir, "figures", "power.dat", NULL), &dat, NULL, NULL));
  g_assert_nonnull(strstr(dat, "\"phone\" 400.0 300.0 0.0 300.0 1000.0 4985.90\n"));
  g_assert_nonnull(strstr(dat, "\"tv\" 0.0 0.0 0.0 0.0 50.0 NaN\n"));
  remove_tree(dir);
}

static void test_report_errors(void) {
  if (g_test_subprocess()) {
    g_autofree char *dir = make_run_dir();
    char *missing[] = {"/nonexistent/dmx-run"};
    DmxReportOptions opt = {.no_figures = TRUE};
    g_assert_cmpint(dmx_report(missing, 1, &opt), ==, DMX_REPORT_EXIT_NOINPUT);
    char *dirs[] = {dir};
    g_assert_cmpint(dmx_report(dirs, 1, &opt), ==, DMX_REPORT_EXIT_NOINPUT);
    put(dir, "summary.json", "{\"scenario\": \"home-theater\", \"policy\": \"rf\",");
    g_assert_cmpint(dmx_report(dirs, 1, &opt), ==, DMX_REPORT_EXIT_NOINPUT);
    put(dir, "summary.json",
        "{\"scenario\": \"home-theater\", \"policy\": \"rf\", \"valid\": true, \"tdf\": 4, \"duration_s\": 16,"
        " \"link\": {\"spec\": \"rate 100mbit\"}, \"traffic_bytes_total\": 1000000, \"traffic\": {\"frames\": 10},"
        " \"fps\": {\"screen\": \"tv\", \"mean\": 8.2, \"p5\": 7, \"seconds\": 8, \"target\": 24},"
        " \"power_total_mw\": 3000, \"power_model\": \"M\", \"devices\": {"
        " \"phone\": {\"index\": 1, \"model\": \"nexus5\", \"power_mw\": 1000, \"energy_j\": 16},"
        " \"tv\": {\"index\": 2, \"model\": \"nexus5\", \"power_mw\": 2000, \"energy_j\": 32}}}");
    char *both[] = {dir, "/nonexistent/dmx-run"};
    g_assert_cmpint(dmx_report(dirs, 1, &opt), ==, 0);
    g_assert_cmpint(dmx_report(both, 2, &opt), ==, DMX_REPORT_EXIT_NOINPUT);
    remove_tree(dir);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*no such run directory*");
  g_test_trap_assert_stderr("*incomplete run directory: no summary.json*");
  g_test_trap_assert_stderr("*summary.json: line 1:*");
  g_test_trap_assert_stdout("*screen tv over 8 s: mean 8.20, p5 7.00, target 24   paper 8.20 * measured/paper 1.00*");
  g_test_trap_assert_stdout("*phone * master * 1000.0 * paper 4985.90 * model/paper 0.20*");
  g_test_trap_assert_stdout("*tv * screen device * 2000.0 * paper 5151.37 * model/paper 0.39*");
  g_test_trap_assert_stdout("*this scenario's devices differ: scenarios/power.ini is Table 2's setup*");
  g_test_trap_assert_stdout("*a MODEL, an estimate*");
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/report/json", test_json);
  g_test_add_func("/report/percentile", test_percentile);
  g_test_add_func("/report/paper", test_paper);
  g_test_add_func("/report/timeline", test_timeline);
  g_test_add_func("/report/migrations", test_migrations);
  g_test_add_func("/report/summary-dsm", test_summary_dsm);
  g_test_add_func("/report/dsm-table", test_dsm_table);
  g_test_add_func("/report/recoveries", test_recoveries);
  g_test_add_func("/report/app-frames", test_app_frames);
  g_test_add_func("/report/app-photos", test_app_photos);
  g_test_add_func("/report/app-edges", test_app_edges);
  g_test_add_func("/report/status-line", test_status_line);
  g_test_add_func("/report/power", test_report_power);
  g_test_add_func("/report/report-errors", test_report_errors);
  return g_test_run();
}
