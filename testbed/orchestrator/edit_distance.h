/* edit_distance: how far apart two words are, for the "did you mean" hints of a mistyped key (ini_schema.c for
 * scenario and sweep files, sweep_params.c for a sweep's derived parameters). */
#pragma once
#include <glib.h>

/* The Levenshtein distance of A and B: the fewest single-character insertions, deletions and substitutions that
 * turn one into the other. */
guint dmx_edit_distance(const char *a, const char *b);
