/* link_spec.h: one link's impairments, parsed from tc-netem syntax.
 *
 *   [limit PACKETS] [bytelimit SIZE] [delay TIME [JITTER [CORR%]]] [distribution uniform|normal|pareto|paretonormal]
 *   [loss [random] P% [CORR%] | loss state p13 [p31 [p32 [p23 [p14]]]] | loss gemodel p [r [1-h [1-k]]]] [ecn]
 *   [duplicate P% [CORR%]] [corrupt P% [CORR%]] [reorder P% [CORR%]] [gap N]
 *   [rate RATE [PACKETOVERHEAD [CELLSIZE [CELLOVERHEAD]]]] [seed N] [inorder]
 *
 * Units as tc: times s/ms/us/ns (bare number = us), rates bit/kbit/mbit/gbit and bps/kbps/mbps/gbps (bytes/s),
 * percentages with or without '%'.  `bytelimit` and `inorder` are dmx extensions (tc-netem has neither). */
#pragma once
#include <glib.h>

typedef enum {
  JITTER_UNIFORM,
  JITTER_NORMAL,
  JITTER_PARETO,
  JITTER_PARETONORMAL,
} JitterDistKind;

typedef enum {
  LOSS_NONE,
  LOSS_RANDOM,  /* p[0] = probability, corr = correlation */
  LOSS_STATE,   /* 4-state Markov: p[0..4] = p13 p31 p32 p23 p14 */
  LOSS_GEMODEL, /* Gilbert-Elliott: p[0..3] = p r 1-h 1-k */
} LossKind;

typedef struct {
  LossKind kind;
  double p[5];
  double corr;
} LossSpec;

typedef struct {
  guint64 rate_bps; /* 0 = unlimited */
  gint32 packet_overhead;
  guint32 cell_size;
  gint32 cell_overhead;
  guint64 delay_ns;
  guint64 jitter_ns;
  double delay_corr;
  JitterDistKind dist;
  LossSpec loss;
  gboolean ecn;
  double duplicate, duplicate_corr;
  double corrupt, corrupt_corr;
  double reorder, reorder_corr;
  guint32 gap;
  guint32 limit_packets; /* tc default 1000 */
  guint64 limit_bytes;   /* 0 = no byte limit */
  gboolean has_seed;
  guint64 seed;
  gboolean in_order; /* never reorder through jitter: a packet leaves no earlier than its predecessor */
} LinkSpec;

#define LINK_SPEC_DEFAULT_LIMIT 1000

void link_spec_init(LinkSpec *spec);
/* Parses SPEC into *spec (initialised to defaults first). On error sets G_IO_ERROR_INVALID_ARGUMENT with a
 * message naming the offending token, e.g. "unknown token 'foo' in link spec". */
gboolean link_spec_parse(const char *text, LinkSpec *spec, GError **error);
/* Applies the time dilation factor: rates / tdf, delays * tdf. */
void link_spec_dilate(LinkSpec *spec, double tdf);
/* A tc-like rendering, for logs and stats. Caller frees. */
char *link_spec_to_string(const LinkSpec *spec);

/* Unit parsers, shared with the station/airtime options. */
gboolean parse_time_ns(const char *s, guint64 *ns);
gboolean parse_rate_bps(const char *s, guint64 *bps);
gboolean parse_size_bytes(const char *s, guint64 *bytes);
gboolean parse_percent(const char *s, double *fraction);
