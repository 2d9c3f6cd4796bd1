/* pcap_writer.h: capture of the frames the medium delivers, as a pcap (DLT_EN10MB) for tshark/Wireshark. */
#pragma once
#include <glib.h>

typedef struct PcapWriter PcapWriter;

PcapWriter *pcap_writer_open(const char *path, int snaplen, GError **error);
/* Records one frame with the current wall-clock time. */
void pcap_writer_write(PcapWriter *w, const guint8 *data, guint32 len);
void pcap_writer_flush(PcapWriter *w);
void pcap_writer_close(PcapWriter *w);
