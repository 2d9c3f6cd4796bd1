/* report_power: see report_power.h. */
#include "report_power.h"

#include <stdio.h>
#include <string.h>

static const char *const part_names[DMX_POWER_PARTS] = {"CPU", "Wi-Fi", "screen", "audio"};
/* Where each part's energy is: devices.NAME.energy_parts_j.KEY now, power.devices.NAME.KEY_j before. */
static const char *const part_keys[DMX_POWER_PARTS] = {"cpu", "wifi", "screen", "audio"};

const char *dmx_power_part_name(guint i) {
  return i < DMX_POWER_PARTS ? part_names[i] : "?";
}

void dmx_power_rows_init(DmxPowerRows *rows) {
  rows->names = g_ptr_array_new_with_free_func(g_free);
  rows->mw = g_array_new(FALSE, FALSE, sizeof(double));
  rows->parts_mw = g_array_new(FALSE, FALSE, sizeof(double));
  rows->paper_mw = g_array_new(FALSE, FALSE, sizeof(double));
}

void dmx_power_rows_clear(DmxPowerRows *rows) {
  if (rows->names)
    g_ptr_array_unref(rows->names);
  if (rows->mw)
    g_array_unref(rows->mw);
  if (rows->parts_mw)
    g_array_unref(rows->parts_mw);
  if (rows->paper_mw)
    g_array_unref(rows->paper_mw);
  *rows = (DmxPowerRows){0};
}

/* A device's power object: devices.NAME (DESIGN.md §8), else power.devices.NAME (older runs). */
static const DmxJson *power_of(const DmxJson *s, const char *name, const DmxJson *device) {
  const DmxJson *old = dmx_json_get(dmx_json_path(s, "power.devices"), name);
  return dmx_json_get(device, "power_mw") || !old ? device : old;
}

static void parts_mw(const DmxJson *p, double dur, double out[DMX_POWER_PARTS]) {
  const DmxJson *parts = dmx_json_get(p, "energy_parts_j");
  for (guint i = 0; i < DMX_POWER_PARTS; i++) {
    g_autofree char *old_key = g_strdup_printf("%s_j", part_keys[i]);
    double j = 0;
    if (!dmx_json_number(parts, part_keys[i], &j))
      dmx_json_number(p, old_key, &j);
    out[i] = dur > 0 ? j / dur * 1e3 : 0;
  }
}

static void print_vs_paper(double model, double paper) {
  printf("   paper %-9.2f model/paper %.2f", paper, model / paper);
}

static void header(const DmxJson *s) {
  printf("  power     a MODEL, an estimate (the testbed measures no power): %s\n",
         dmx_json_string(s, "power_model", "?"));
  printf("            Wi-Fi traffic from %s; coefficients and their sources: scenarios/devices.ini\n",
         dmx_json_string(s, "power_traffic_source", "?"));
  printf("            %-10s %-11s %-16s %9s %9s  %7s %7s %7s %7s\n", "device", "model", "role", "model mW",
         "energy J", "CPU", "Wi-Fi", "screen", "audio");
}

/*
 * Power at different frame rates is not like for like: a policy that shows three times the frames does more work
 * per second. Energy per presented frame is (the paper makes the same point after Table 2: similar power at 3-4x
 * the FPS); the paper's is its Table 2 power over its FPS for the policy (mW / FPS = mJ per frame).
 */
static void per_frame(double master_j, double matched_j, double frames, double paper_total,
                      const DmxPaperValues *paper) {
  if (frames <= 0)
    return;
  printf("            per presented frame: master %.1f mJ, master + screen device %.1f mJ", master_j / frames * 1e3,
         matched_j / frames * 1e3);
  if (paper_total > 0 && paper->has_fps && paper->fps > 0)
    printf("   paper %.1f mJ (Table 2 mW / %.1f FPS)", paper_total / paper->fps, paper->fps);
  printf(" over %.0f frames\n", frames);
}

static void footer(double total_mw, double matched, double paper_total, const DmxPaperValues *paper) {
  printf("            %-10s %-11s %-16s %9.1f\n", "total", "", "", total_mw);
  if (paper_total <= 0)
    return;
  printf("            %-39s %9.1f", "master + screen device", matched);
  print_vs_paper(matched, paper_total);
  printf(" (%s)\n", paper->power_source);
  if (paper->like_for_like)
    printf("            the paper MEASURED two Nexus 5 phones (Monsoon power monitor); the model leaves out what "
           "it cannot see: testbed/power/README.md, \"Against Table 2\"\n");
  else
    printf("            note: the paper measured two Nexus 5 phones; this scenario's devices differ: "
           "scenarios/power.ini is Table 2's setup\n");
}

void dmx_report_power(const DmxJson *s, const DmxPaperValues *paper, DmxPowerRows *rows) {
  const DmxJson *devices = dmx_json_get(s, "devices");
  double total_mw = 0, dur = 0;
  dmx_json_number(s, "duration_s", &dur);
  if (!dmx_json_number(s, "power_total_mw", &total_mw) || !devices || devices->type != DMX_JSON_OBJECT) {
    printf("  power     (not in summary.json: the run predates the power model; rerun it)\n");
    return;
  }
  const char *screen = dmx_json_string(s, "fps.screen", NULL);
  gboolean with_paper = paper && paper->has_power;
  double paper_total = 0, matched = 0, master_j = 0, matched_j = 0, frames = 0;
  if (screen) {
    g_autofree char *path = g_strdup_printf("screens.%s.frames", screen);
    dmx_json_number(s, path, &frames);
  }
  header(s);
  for (guint i = 0; i < devices->keys->len; i++) {
    const char *name = devices->keys->pdata[i];
    const DmxJson *d = devices->items->pdata[i], *p = power_of(s, name, d);
    double mw, ej = 0, index = 0, parts[DMX_POWER_PARTS], pv = -1;
    if (!dmx_json_number(p, "power_mw", &mw))
      continue;
    dmx_json_number(p, "energy_j", &ej);
    dmx_json_number(d, "index", &index);
    parts_mw(p, dur, parts);
    gboolean master = index == 1, is_screen = screen && strcmp(screen, name) == 0 && !master;
    master_j += master ? ej : 0;
    matched_j += master || is_screen ? ej : 0;
    printf("            %-10s %-11s %-16s %9.1f %9.2f  %7.0f %7.0f %7.0f %7.0f", name, dmx_json_string(d, "model", "?"),
           master ? "master" : is_screen ? "screen device" : "", mw, ej, parts[0], parts[1], parts[2], parts[3]);
    if (with_paper && (master || is_screen)) {
      pv = master ? paper->master_mw : paper->screen_mw;
      print_vs_paper(mw, pv);
      paper_total += pv;
      matched += mw;
    }
    printf("\n");
    g_ptr_array_add(rows->names, g_strdup(name));
    g_array_append_val(rows->mw, mw);
    g_array_append_vals(rows->parts_mw, parts, DMX_POWER_PARTS);
    g_array_append_val(rows->paper_mw, pv);
  }
  footer(total_mw, matched, paper_total, paper);
  per_frame(master_j, matched_j, frames, paper_total, paper);
}
