/* traffic: see traffic.h. The stats JSON is the medium's own fixed, flat format (netem/medium.c
 * append_link_json), so a scan for "key": is enough here; no JSON library is needed. */
#include "traffic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static guint64 field_u64(const char *obj, const char *end, const char *key) {
  g_autofree char *pat = g_strdup_printf("\"%s\":", key);
  const char *p = g_strstr_len(obj, end - obj, pat);
  return p ? g_ascii_strtoull(p + strlen(pat), NULL, 10) : 0;
}

static char *field_str(const char *obj, const char *end, const char *key) {
  g_autofree char *pat = g_strdup_printf("\"%s\":\"", key);
  const char *p = g_strstr_len(obj, end - obj, pat);
  if (!p)
    return g_strdup("");
  p += strlen(pat);
  const char *q = strchr(p, '"');
  return q ? g_strndup(p, q - p) : g_strdup("");
}

gboolean dmx_traffic_write_csv(const char *stats_json, const char *csv_path, DmxTraffic *total, GError **error) {
  *total = (DmxTraffic){0};
  const char *links = strstr(stats_json, "\"links\":[");
  if (!links) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no \"links\" in the medium's stats");
    return FALSE;
  }
  GString *csv = g_string_new("src,dst,sent_frames,sent_bytes,dropped_frames,dropped_bytes,offered_frames,offered_bytes\n");
  const char *p = links;
  while ((p = strstr(p, "{\"src\":"))) {
    const char *end = strstr(p + 1, "{\"src\":");
    if (!end)
      end = p + strlen(p);
    g_autofree char *src = field_str(p, end, "src");
    g_autofree char *dst = field_str(p, end, "dst");
    guint64 v[6] = {field_u64(p, end, "sent_frames"), field_u64(p, end, "sent_bytes"), field_u64(p, end, "dropped"),
                    field_u64(p, end, "dropped_bytes"), field_u64(p, end, "offered_frames"),
                    field_u64(p, end, "offered_bytes")};
    g_string_append_printf(csv, "%s,%s", src, dst);
    for (int i = 0; i < 6; i++)
      g_string_append_printf(csv, ",%" G_GUINT64_FORMAT, v[i]);
    g_string_append_c(csv, '\n');
    total->sent_frames += v[0];
    total->sent_bytes += v[1];
    total->dropped_frames += v[2];
    total->dropped_bytes += v[3];
    total->offered_frames += v[4];
    total->offered_bytes += v[5];
    total->links++;
    p = end;
  }
  gboolean ok = g_file_set_contents(csv_path, csv->str, -1, error);
  g_string_free(csv, TRUE);
  return ok;
}

gboolean dmx_pcap_count(const char *path, guint64 *frames, guint64 *bytes, GError **error) {
  *frames = *bytes = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path, g_strerror(errno));
    return FALSE;
  }
  guint32 hdr[6];
  if (fread(hdr, sizeof hdr, 1, f) != 1) {
    fclose(f);
    return TRUE; /* empty capture */
  }
  gboolean swap = hdr[0] == 0xd4c3b2a1 || hdr[0] == 0x4d3cb2a1;
  guint32 rec[4];
  while (fread(rec, sizeof rec, 1, f) == 1) {
    guint32 incl = swap ? GUINT32_SWAP_LE_BE(rec[2]) : rec[2];
    guint32 orig = swap ? GUINT32_SWAP_LE_BE(rec[3]) : rec[3];
    if (fseek(f, incl, SEEK_CUR) != 0)
      break;
    (*frames)++;
    *bytes += orig;
  }
  fclose(f);
  return TRUE;
}
