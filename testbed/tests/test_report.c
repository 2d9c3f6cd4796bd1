/* test_report: `dmx report`'s pieces and the run timeline, on hand-made run directories (native, fast).
 *
 *   json          summary.json reader: values, paths, errors with a line number
 *   percentile    fps.p5's percentile and the FPS statistics' choice of seconds
 *   paper         the paper's values per scenario and policy
 *   timeline      a synthetic run (screen-frames.csv, cpu.stats, a hand-written medium.pcap): timeline.csv's
 *                 columns and rows, per-device energy against the model's equations by hand
 *   report-errors a missing directory and one without summary.json: exit 66; a complete one: 0 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "power_cpu.h"
#include "report.h"
#include "report_json.h"
#include "report_paper.h"
#include "timeline.h"
#include "timeline_fps.h"
#include "timeline_migrations.h"

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
  g_assert_true(dmx_fps_series_stats(&s, 6.5, &mean, &p5, &n));
  g_assert_cmpuint(n, ==, 4);
  g_assert_cmpfloat_with_epsilon(mean, 17.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(p5, 10 + 0.15 * 10, 1e-12);
  s.last_s = 6.2; /* a frame in the cut-short second: still left out */
  g_assert_true(dmx_fps_series_stats(&s, 6.5, &mean, &p5, &n));
  g_assert_cmpuint(n, ==, 4);
  g_assert_cmpfloat(dmx_fps_target("home-theater"), ==, 24);
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
  g_assert_false(dmx_paper_values("home-theater", "local", &p));
  g_assert_false(dmx_paper_values("hello", "rf", &p));
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

static void rm_rf(const char *dir) {
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
  g_assert_cmpint(system(cmd), ==, 0);
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

  /* Without a usable pcap epoch the traffic comes from traffic.csv, spread evenly. */
  put(dir, "traffic.csv", "src,dst,sent_frames,sent_bytes\na,b,1,700\n");
  in.wall_epoch_ns = 0;
  g_assert_true(dmx_timeline_build(&in, &r, NULL));
  g_assert_cmpstr(r.traffic_source, ==, "traffic.csv (totals spread evenly)");
  double per_bin_mbit = 700.0 / 350 * mbit;
  g_assert_cmpfloat_with_epsilon(r.power[0].e_wifi_j, (700 + per_bin_mbit * 6) * 3.5 / 1e3, 1e-9);
  dmx_timeline_result_clear(&r, 2);
  rm_rf(dir);
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
  rm_rf(dir);
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
    rm_rf(dir);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*no such run directory*");
  g_test_trap_assert_stderr("*incomplete run directory: no summary.json*");
  g_test_trap_assert_stderr("*summary.json: line 1:*");
  g_test_trap_assert_stdout("*screen tv over 8 s: mean 8.20, p5 7.00, target 24   paper 8.20 * measured/paper 1.00*");
  g_test_trap_assert_stdout("*phone * master * 1000.0 * paper 4985.90 * measured/paper 0.20*");
  g_test_trap_assert_stdout("*tv * screen device * 2000.0 * paper 5151.37 * measured/paper 0.39*");
  g_test_trap_assert_stdout("*a MODEL, an estimate*");
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/report/json", test_json);
  g_test_add_func("/report/percentile", test_percentile);
  g_test_add_func("/report/paper", test_paper);
  g_test_add_func("/report/timeline", test_timeline);
  g_test_add_func("/report/migrations", test_migrations);
  g_test_add_func("/report/report-errors", test_report_errors);
  return g_test_run();
}
