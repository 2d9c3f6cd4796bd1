/* pcap_writer.c: libpcap's pcap_open_dead + pcap_dump_open; records carry the full length and at most
 * snaplen captured bytes. */
#include "pcap_writer.h"
#include <gio/gio.h>
#include <pcap/pcap.h>
#include <sys/time.h>

struct PcapWriter {
  pcap_t *dead;
  pcap_dumper_t *dumper;
  int snaplen;
};

PcapWriter *pcap_writer_open(const char *path, int snaplen, GError **error)
{
  if (snaplen <= 0)
    snaplen = 65535;
  pcap_t *dead = pcap_open_dead(DLT_EN10MB, snaplen);
  if (!dead) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "pcap_open_dead failed");
    return NULL;
  }
  pcap_dumper_t *dumper = pcap_dump_open(dead, path);
  if (!dumper) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open pcap '%s': %s", path, pcap_geterr(dead));
    pcap_close(dead);
    return NULL;
  }
  PcapWriter *w = g_new0(PcapWriter, 1);
  w->dead = dead;
  w->dumper = dumper;
  w->snaplen = snaplen;
  return w;
}

void pcap_writer_write(PcapWriter *w, const guint8 *data, guint32 len)
{
  struct pcap_pkthdr hdr;
  gettimeofday(&hdr.ts, NULL);
  hdr.len = len;
  hdr.caplen = len < (guint32)w->snaplen ? len : (guint32)w->snaplen;
  pcap_dump((u_char *)w->dumper, &hdr, data);
}

void pcap_writer_flush(PcapWriter *w)
{
  pcap_dump_flush(w->dumper);
}

void pcap_writer_close(PcapWriter *w)
{
  if (!w)
    return;
  pcap_dump_close(w->dumper);
  pcap_close(w->dead);
  g_free(w);
}
