/* test_tree.h: where the dmx tree is, for end-to-end tests that run its programs, and the files they leave.
 * Header-only so every test program can use it without another object in its link rule. Tests find the tree
 * through $DMX_TOP, else the DMX_TOP their fragment compiled in (docs/CONVENTIONS.md). */
#ifndef DMX_TEST_TREE_H
#define DMX_TEST_TREE_H

#include <glib.h>
#include <glib/gstdio.h>

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

/* TRUE if every path of the NULL-terminated RELS (relative to the tree) passes TEST (G_FILE_TEST_IS_EXECUTABLE for
 * programs, G_FILE_TEST_EXISTS for media); else skips the test (g_test_skip) with WHY, or with "REL is not built"
 * when WHY is NULL, and returns FALSE. */
static inline gboolean need_in_tree(const char *const *rels, GFileTest test, const char *why)
{
    for (guint i = 0; rels[i]; i++) {
        g_autofree char *p = in_top(rels[i]);
        if (!g_file_test(p, test)) {
            g_autofree char *msg = why ? g_strdup(why) : g_strdup_printf("%s is not built", rels[i]);
            g_test_skip(msg);
            return FALSE;
        }
    }
    return TRUE;
}

/* The text of DIR/REL (g_free it); the test fails, naming the file, when it cannot be read. (Not inlined: inlined,
 * GCC 12 takes a pointer into the returned text for one to the local it was read into, -Wdangling-pointer.) */
G_GNUC_UNUSED G_GNUC_NO_INLINE static char *read_run_file(const char *dir, const char *rel)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        g_error("cannot read %s", path);
    return text;
}

/* Removes PATH and, if it is a directory, everything below it (links are removed, not followed), like rm -rf. */
static inline void remove_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        g_rmdir(path);
    } else {
        g_remove(path);
    }
}

#endif
