/* edit_distance: see edit_distance.h. */
#include "edit_distance.h"

#include <string.h>

/* The classic dynamic programme, one row at a time: ROW[j] is the distance of A's first i characters to B's
 * first j, and DIAG keeps the previous row's ROW[j - 1] that the update overwrites. */
guint dmx_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  g_autofree guint *row = g_new(guint, lb + 1);
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    guint diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      guint up = row[j];
      guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
      diag = up;
    }
  }
  return row[lb];
}
