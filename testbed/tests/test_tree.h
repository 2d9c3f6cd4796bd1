/* test_tree.h: where the dmx tree is, for end-to-end tests that run its programs. Header-only so every test
 * program can use it without another object in its link rule. Tests find the tree through $DMX_TOP, else the
 * DMX_TOP their fragment compiled in (docs/CONVENTIONS.md). */
#ifndef DMX_TEST_TREE_H
#define DMX_TEST_TREE_H

#include <glib.h>

#ifndef DMX_TOP
#define DMX_TOP "."
#endif

static inline const char *top(void)
{
    const char *t = g_getenv("DMX_TOP");
    return t && *t ? t : DMX_TOP;
}

/* A path inside the tree (g_free it). */
static inline char *in_top(const char *rel) { return g_build_filename(top(), rel, NULL); }

/* Is REL (relative to the tree) built and executable? */
static inline gboolean have(const char *rel)
{
    g_autofree char *p = in_top(rel);
    return g_file_test(p, G_FILE_TEST_IS_EXECUTABLE);
}

#endif
