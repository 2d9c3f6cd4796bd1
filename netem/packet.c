/* packet.c: frame allocation and in-place header edits (ECN CE marking, bit corruption). */
#include "packet.h"
#include <string.h>

Packet *packet_new(const guint8 *data, guint32 len, guint16 src, guint16 dst)
{
  Packet *p = g_malloc(sizeof(Packet) + len);
  memset(p, 0, sizeof(Packet));
  memcpy(p->data, data, len);
  p->len = len;
  p->src = src;
  p->dst = dst;
  p->group = len >= 1 && (data[0] & 1);
  return p;
}

Packet *packet_copy(const Packet *p)
{
  return g_memdup2(p, sizeof(Packet) + p->len);
}

void packet_free(Packet *p)
{
  g_free(p);
}

enum { ETH_HLEN_ = 14, ETHERTYPE_IPV4 = 0x0800, ETHERTYPE_IPV6 = 0x86dd, ETHERTYPE_VLAN = 0x8100 };

static guint l3_offset(const Packet *p, guint16 *ethertype)
{
  guint off = 12;
  if (p->len < ETH_HLEN_)
    return 0;
  *ethertype = (guint16)(p->data[off] << 8 | p->data[off + 1]);
  if (*ethertype == ETHERTYPE_VLAN && p->len >= ETH_HLEN_ + 4) {
    off += 4;
    *ethertype = (guint16)(p->data[off] << 8 | p->data[off + 1]);
  }
  return off + 2;
}

/* RFC 1624 incremental checksum update for one changed 16-bit word. */
static void update_ipv4_checksum(guint8 *ip, guint16 old_word, guint16 new_word)
{
  guint32 sum = (guint16)~(ip[10] << 8 | ip[11]);
  sum += (guint16)~old_word;
  sum += new_word;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  sum = ~sum & 0xffff;
  ip[10] = (guint8)(sum >> 8);
  ip[11] = (guint8)sum;
}

gboolean packet_mark_ce(Packet *p)
{
  guint16 ethertype = 0;
  guint off = l3_offset(p, &ethertype);
  if (!off)
    return FALSE;
  guint8 *ip = p->data + off;
  if (ethertype == ETHERTYPE_IPV4 && p->len >= off + 20) {
    guint8 ecn = ip[1] & 3;
    if (ecn == 0)
      return FALSE;
    if (ecn != 3) {
      guint16 old_word = (guint16)(ip[0] << 8 | ip[1]);
      ip[1] |= 3;
      update_ipv4_checksum(ip, old_word, (guint16)(ip[0] << 8 | ip[1]));
    }
    return TRUE;
  }
  if (ethertype == ETHERTYPE_IPV6 && p->len >= off + 40) {
    /* Traffic class spans the low nibble of byte 0 and the high nibble of byte 1; ECN is its low 2 bits. */
    guint8 ecn = (ip[1] >> 4) & 3;
    if (ecn == 0)
      return FALSE;
    ip[1] |= 3 << 4;
    return TRUE;
  }
  return FALSE;
}

void packet_corrupt(Packet *p, guint32 r)
{
  if (p->len == 0)
    return;
  guint byte = (guint)(((guint64)(r >> 3) * p->len) >> 29);
  p->data[byte % p->len] ^= (guint8)(1u << (r & 7));
}
