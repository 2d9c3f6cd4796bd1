/* photo-classify: classifier threads decode photos (libjpeg) from storage and run a MobileNet-v1 forward pass
 * (mobilenet.c) on each; a collector thread gathers the labels.
 *
 * Usage: photo-classify [--dir DIR] [--threads N] [--alpha A] [--classes N] [--limit N] [--local-only] [--shared]
 *                       [NAME...]
 *   --dir      where the photos are (default /dev/dmx/storage: the devices' storage, listed through the
 *              storage resource); any other directory is listed with opendir
 *   NAME...    classify these photos (names in DIR) instead of listing it
 *   --local-only  list only this device's storage even when the run has several devices
 * Several devices (DynaMix Fig. 9, scenarios/photo-classify.ini): with the default --dir, on a run of several
 * devices and a policy other than local, every device's storage is listed (the storage class is bound to each
 * device in turn while listing, then back to this one), so the photos spread over the devices are classified
 * here; opening /dev/dmx/storage/NAME of a photo this device does not hold is found by libdmx's file directory
 * and every read of it is forwarded to its owner (I/O request forwarding). Under policy local (the ideal
 * network) only this device's storage is listed.
 *   --threads  classifier threads (default: one per device of the run, and 2 on a single device). Each has its
 *              assigned photos (the paper's setup): with photos on K devices, thread t takes those of the
 *              (t mod K)-th device (dealt round robin among the threads that share a device); with all of them
 *              in one place, every N-th photo
 *   --shared   no assignment: every thread takes the next photo nobody has taken
 *   --alpha    MobileNet width multiplier (default 1.0, the full network; CI uses 0.25)
 *   --classes  output classes (default 1000)
 * Weights are generated deterministically (no pretrained weights can be downloaded here): see mobilenet.h.
 * Output (stdout), one line per photo in completion order:
 *   photo NAME bytes=B size=WxH label=K score=S read_ms=.. decode_ms=.. infer_ms=.. from=DEV forwarded=F handled_on=D
 *   skip DIR/NAME: REASON                 (missing, unreadable, corrupt or truncated: the photo is skipped)
 *   skip DIR/NAME (on device DEV): REASON (the same, for a photo listed in another device's storage)
 * where DEV is the device whose storage listed the photo ("-" outside a storage listing) and F the number of
 * I/O requests this photo's read sent to another device (libdmx's per-thread forwarding counters): 0 = read
 * locally, > 0 = read by forwarding. D is the index of the device the classifier thread ran on when it read the
 * photo: a photo of another device handled there (D = its owner) was handled after a migration.
 * then
 *   photo-classify: photos=N skipped=K threads=T alpha=A seconds=S photos_per_s=R labels=HASH
 * where HASH covers every (name, label) pair in name order. Exit status 0, 2 if photos were skipped, 1 if
 * nothing could be classified. */
#include "app_queue.h"
#include "app_time.h"
#include "dmx.h"
#include "io_devices.h"
#include "mobilenet.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <jpeglib.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PHOTO_BYTES (64u << 20)

struct result {
    int index;
    int label; /* -1: skipped */
    float score;
    uint32_t width, height;
    size_t bytes;
    uint64_t forwarded; /* I/O requests of this photo's read that went to another device */
    int handled_on;     /* the device the classifier thread ran on (after any migration) */
    double read_ms, decode_ms, infer_ms;
    char reason[JMSG_LENGTH_MAX + 64];
};

static struct {
    const char *dir;
    int threads, classes, limit, local_only;
    float alpha;
    char **names;
    int *owners; /* device index whose storage listed names[i]; 0 = not from a listing */
    int count;
    int *assigned;              /* the classifier thread of each photo (assign_photos) */
    int shared_queue;           /* --shared: every thread takes the next photo left (not its assigned ones) */
    int next;                   /* that next photo, under next_lock: atomics on shared memory are outside
                                 * libdmx's consistency model, and the classifiers may run on different
                                 * devices */
    pthread_mutex_t next_lock;
    struct mobilenet net;
    struct app_queue results;
    int *labels;
} pc;

/* ---- listing ---- */

static int add_name(const char *name, int owner, int *cap)
{
    for (int i = 0; owner && i < pc.count; i++)
        if (strcmp(pc.names[i], name) == 0)
            return 0; /* held by several devices: the lowest index wins, as in libdmx's file directory */
    if (pc.count == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        char **bigger = realloc(pc.names, (size_t)*cap * sizeof *bigger);
        int *owners = realloc(pc.owners, (size_t)*cap * sizeof *owners);
        if (bigger)
            pc.names = bigger;
        if (owners)
            pc.owners = owners;
        if (!bigger || !owners)
            return -1;
    }
    pc.owners[pc.count] = owner;
    pc.names[pc.count] = strdup(name);
    return pc.names[pc.count++] ? 0 : -1;
}

/* Name of device INDEX from DMX_DEVICES (name=ip,... in index order, master first) into BUF. */
static const char *device_name(int index, char *buf, size_t len)
{
    const char *devices = getenv("DMX_DEVICES");
    snprintf(buf, len, index > 0 ? "dev%d" : "-", index);
    for (int i = 1; index > 0 && devices && *devices; i++) {
        size_t n = strcspn(devices, "=,");
        if (i == index && n < len) {
            memcpy(buf, devices, n);
            buf[n] = '\0';
            break;
        }
        devices = strchr(devices, ',');
        devices = devices ? devices + 1 : NULL;
    }
    return buf;
}

static int is_jpeg_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts names (and their owners along) by name. */
static void sort_names(void)
{
    char **order = malloc((size_t)pc.count * sizeof *order);
    int *owners = malloc((size_t)pc.count * sizeof *owners);
    if (!order || !owners) {
        free(order);
        free(owners);
        return;
    }
    memcpy(order, pc.names, (size_t)pc.count * sizeof *order);
    qsort(order, (size_t)pc.count, sizeof *order, by_name);
    for (int i = 0; i < pc.count; i++)
        for (int j = 0; j < pc.count; j++)
            if (pc.names[j] == order[i]) {
                owners[i] = pc.owners[j];
                break;
            }
    memcpy(pc.names, order, (size_t)pc.count * sizeof *order);
    memcpy(pc.owners, owners, (size_t)pc.count * sizeof *owners);
    free(order);
    free(owners);
}

/* The storage resource lists its directory as "NAME<TAB>SIZE\n" lines when the directory itself is read.
 * OWNER is the device index the listing comes from (the storage class is bound there while it is read). */
static int list_storage(int owner, int *names_cap)
{
    int fd = open(pc.dir, O_RDONLY);
    if (fd < 0) {
        char name[64];
        fprintf(stderr, "photo-classify: %s (device %s): %s\n", pc.dir, device_name(owner, name, sizeof name),
                strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *text = malloc(cap);
    ssize_t n;
    while (text && (n = read(fd, text + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (len + 1 == cap) {
            char *bigger = realloc(text, cap *= 2);
            if (!bigger) {
                free(text);
                text = NULL;
            }
            text = bigger;
        }
    }
    close(fd);
    if (!text)
        return -1;
    text[len] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = '\0';
        if (is_jpeg_name(line) && add_name(line, owner, names_cap) < 0)
            return -1;
    }
    free(text);
    return 0;
}

/* Every device's storage (see the top of the file), or only this one's. */
static int list_all_storage(void)
{
    int cap = 0, self = dmx_device_index(), count = dmx_device_count();
    const char *policy = getenv("DMX_POLICY");
    if (pc.local_only || count <= 1 || (policy && strcmp(policy, "local") == 0) || strcmp(pc.dir, "/dev/dmx/storage"))
        return list_storage(self, &cap);
    if (list_storage(self, &cap) < 0)
        return -1;
    for (int d = 1; d <= count; d++) {
        if (d == self)
            continue;
        if (dmx_io_bind("storage", d) != 0) {
            fprintf(stderr, "photo-classify: cannot list device %d's storage: %s\n", d, strerror(errno));
            return -1;
        }
        int rc = list_storage(d, &cap);
        dmx_io_bind("storage", 0);
        if (rc < 0)
            return -1; /* a device's storage that cannot be listed is an error, not a smaller photo set */
    }
    return 0;
}

static int list_directory(void)
{
    DIR *dir = opendir(pc.dir);
    if (!dir) {
        fprintf(stderr, "photo-classify: %s: %s\n", pc.dir, strerror(errno));
        return -1;
    }
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL)
        if (e->d_name[0] != '.' && is_jpeg_name(e->d_name) && add_name(e->d_name, 0, &cap) < 0)
            break;
    closedir(dir);
    return 0;
}

/* ---- one photo ---- */

static int read_file(const char *path, unsigned char **out, size_t *len, char *reason, size_t reason_len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(reason, reason_len, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > MAX_PHOTO_BYTES) {
        snprintf(reason, reason_len, "unusable size (%lld bytes)", (long long)st.st_size);
        close(fd);
        return -1;
    }
    unsigned char *buf = malloc((size_t)st.st_size);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        /* pread says where: a thread resumed from a checkpoint after its device was lost (churn.ini) has the got
         * of then, while the file's offset, kept by the device that holds the file, moved on. */
        ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        snprintf(reason, reason_len, "read failed after %zu of %lld bytes", got, (long long)st.st_size);
        free(buf);
        return -1;
    }
    *out = buf;
    *len = got;
    return 0;
}

struct jpeg_failure {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int warnings;
};

static void on_jpeg_error(j_common_ptr cinfo)
{
    struct jpeg_failure *f = (struct jpeg_failure *)cinfo->err;
    f->mgr.format_message(cinfo, f->message);
    longjmp(f->jump, 1);
}

static void on_jpeg_message(j_common_ptr cinfo, int level)
{
    struct jpeg_failure *f = (struct jpeg_failure *)cinfo->err;
    if (level < 0 && f->warnings++ == 0) /* a warning: corrupt data, or a truncated file */
        f->mgr.format_message(cinfo, f->message);
}

/* Decodes JPEG data to RGB, at the smallest DCT scale (1/8 .. 1) that still covers 224x224. */
static unsigned char *decode_jpeg(const unsigned char *data, size_t len, uint32_t *w, uint32_t *h, char *reason,
                                  size_t reason_len)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_failure failure = { 0 };
    unsigned char *volatile pixels = NULL;
    cinfo.err = jpeg_std_error(&failure.mgr);
    failure.mgr.error_exit = on_jpeg_error;
    failure.mgr.emit_message = on_jpeg_message;
    if (setjmp(failure.jump)) {
        snprintf(reason, reason_len, "corrupt JPEG: %s", failure.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return NULL;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    unsigned smaller = cinfo.image_width < cinfo.image_height ? cinfo.image_width : cinfo.image_height;
    cinfo.scale_num = 1;
    cinfo.scale_denom = 1;
    while (cinfo.scale_denom < 8 && smaller / (cinfo.scale_denom * 2) >= MOBILENET_INPUT)
        cinfo.scale_denom *= 2;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * 3;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) {
        snprintf(reason, reason_len, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return NULL;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    *w = cinfo.output_width;
    *h = cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    if (failure.warnings) {
        snprintf(reason, reason_len, "corrupt or truncated JPEG: %s", failure.message);
        free(pixels);
        return NULL;
    }
    return pixels;
}

/* Bilinear resize to 224x224, scaled to [-1, 1]. */
static void to_input(const unsigned char *rgb, uint32_t w, uint32_t h, float *input)
{
    for (int y = 0; y < MOBILENET_INPUT; y++) {
        float fy = ((float)y + 0.5f) * (float)h / MOBILENET_INPUT - 0.5f;
        int y0 = fy < 0 ? 0 : (int)fy, y1 = y0 + 1 < (int)h ? y0 + 1 : (int)h - 1;
        float dy = fy < 0 ? 0 : fy - (float)y0;
        for (int x = 0; x < MOBILENET_INPUT; x++) {
            float fx = ((float)x + 0.5f) * (float)w / MOBILENET_INPUT - 0.5f;
            int x0 = fx < 0 ? 0 : (int)fx, x1 = x0 + 1 < (int)w ? x0 + 1 : (int)w - 1;
            float dx = fx < 0 ? 0 : fx - (float)x0;
            for (int c = 0; c < 3; c++) {
                float a = rgb[((size_t)y0 * w + x0) * 3 + c], b = rgb[((size_t)y0 * w + x1) * 3 + c];
                float d = rgb[((size_t)y1 * w + x0) * 3 + c], e = rgb[((size_t)y1 * w + x1) * 3 + c];
                float top = a + (b - a) * dx, bottom = d + (e - d) * dx;
                input[((size_t)y * MOBILENET_INPUT + x) * 3 + c] = (top + (bottom - top) * dy) / 127.5f - 1.0f;
            }
        }
    }
}

static void classify(struct result *r, float *input, float *scratch, float *probs)
{
    char path[4096];
    unsigned char *data = NULL, *rgb;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", pc.dir, pc.names[r->index]);
    struct dmx_io_forward_counters before = { 0 }, after = { 0 };
    dmx_io_get_thread_forward_counters(&before);
    int device_before = dmx_device_index();
    uint64_t t0 = app_now_ns();
    int rc = read_file(path, &data, &len, r->reason, sizeof r->reason);
    dmx_io_get_thread_forward_counters(&after);
    r->handled_on = dmx_device_index();
    /* A thread's counters start again on the device it moves to (libdmx moved it for this read) */
    r->forwarded = r->handled_on == device_before ? after.forwarded - before.forwarded : after.forwarded;
    if (rc < 0)
        return;
    r->bytes = len;
    uint64_t t1 = app_now_ns();
    rgb = decode_jpeg(data, len, &r->width, &r->height, r->reason, sizeof r->reason);
    free(data);
    if (!rgb)
        return;
    to_input(rgb, r->width, r->height, input);
    free(rgb);
    uint64_t t2 = app_now_ns();
    r->label = mobilenet_forward(&pc.net, input, scratch, probs);
    r->score = probs[r->label];
    uint64_t t3 = app_now_ns();
    r->read_ms = (double)(t1 - t0) / 1e6;
    r->decode_ms = (double)(t2 - t1) / 1e6;
    r->infer_ms = (double)(t3 - t2) / 1e6;
}

/* Which classifier handles each photo (DynaMix 5.3: "each thread classifies its assigned photos"), into
 * pc.assigned. With photos listed from K devices' storage, thread t serves the (t mod K)-th of those devices,
 * and the threads serving one device deal its photos round robin; otherwise (one device's storage, or names
 * given) all photos are dealt round robin. */
static int assign_photos(void)
{
    int owner_slot[65] = { 0 }, nowners = 0, dealt[65] = { 0 };
    pc.assigned = calloc((size_t)pc.count, sizeof *pc.assigned);
    if (!pc.assigned)
        return -1;
    for (int i = 0; i < pc.count; i++)
        if (pc.owners[i] > 0 && pc.owners[i] <= 64 && !owner_slot[pc.owners[i]])
            owner_slot[pc.owners[i]] = ++nowners;
    for (int i = 0; i < pc.count; i++) {
        int o = pc.owners[i] > 0 && pc.owners[i] <= 64 ? owner_slot[pc.owners[i]] - 1 : -1;
        if (nowners < 2 || o < 0) {
            pc.assigned[i] = i % pc.threads;
            continue;
        }
        if (nowners > pc.threads) {                           /* more devices than threads */
            pc.assigned[i] = o % pc.threads;
            continue;
        }
        int serving = (pc.threads - 1 - o) / nowners + 1;     /* threads t < T with t mod K == o */
        pc.assigned[i] = o + nowners * (dealt[o]++ % serving);
    }
    return 0;
}

/* The next photo for thread `self` at or after *cursor (pc.count when none is left); --shared: the next
 * photo nobody has taken yet. */
static int claim_next_photo(int self, int *cursor)
{
    if (pc.shared_queue) {
        pthread_mutex_lock(&pc.next_lock);
        int i = pc.next < pc.count ? pc.next++ : pc.count;
        pthread_mutex_unlock(&pc.next_lock);
        return i;
    }
    while (*cursor < pc.count && pc.assigned[*cursor] != self)
        ++*cursor;
    return *cursor < pc.count ? (*cursor)++ : pc.count;
}

static void *classifier_thread(void *arg)
{
    int self = (int)(intptr_t)arg, cursor = 0;
    float *input = malloc((size_t)MOBILENET_INPUT * MOBILENET_INPUT * 3 * sizeof *input);
    float *scratch = mobilenet_scratch(&pc.net);
    float *probs = malloc((size_t)pc.classes * sizeof *probs);
    int i;
    while ((i = claim_next_photo(self, &cursor)) < pc.count) {
        struct result *r = calloc(1, sizeof *r);
        if (!r)
            break;
        r->index = i;
        r->label = -1;
        if (input && scratch && probs)
            classify(r, input, scratch, probs);
        else
            snprintf(r->reason, sizeof r->reason, "out of memory");
        if (!app_queue_push(&pc.results, r)) {
            free(r);
            break;
        }
    }
    free(input);
    free(scratch);
    free(probs);
    return NULL;
}

static void *collector_thread(void *arg)
{
    int *skipped = arg;
    struct result *r;
    for (int got = 0; got < pc.count && (r = app_queue_pop(&pc.results)) != NULL; got++) {
        const char *name = pc.names[r->index];
        int owner = pc.owners[r->index];
        char dev[64];
        device_name(owner, dev, sizeof dev);
        pc.labels[r->index] = r->label;
        if (r->label < 0) {
            if (owner > 0 && owner != dmx_device_index())
                printf("skip %s/%s (on device %s): %s\n", pc.dir, name, dev, r->reason);
            else
                printf("skip %s/%s: %s\n", pc.dir, name, r->reason);
            ++*skipped;
        } else {
            printf("photo %s bytes=%zu size=%ux%u label=%d score=%.6f read_ms=%.1f decode_ms=%.1f infer_ms=%.1f"
                   " from=%s forwarded=%" PRIu64 " handled_on=%d\n", name, r->bytes, r->width, r->height, r->label,
                   r->score, r->read_ms, r->decode_ms, r->infer_ms, dev, r->forwarded, r->handled_on);
        }
        free(r);
    }
    return NULL;
}

static int parse_args(int argc, char **argv)
{
    pc.dir = "/dev/dmx/storage";
    pc.threads = dmx_device_count() > 1 ? dmx_device_count() : 2;
    pc.alpha = 1.0f;
    pc.classes = 1000;
    int names_cap = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--local-only") == 0) {
            pc.local_only = 1;
            continue;
        }
        if (strcmp(argv[i], "--shared") == 0) {
            pc.shared_queue = 1;
            continue;
        }
        if (strncmp(argv[i], "--", 2) != 0) { /* a photo name */
            if (strchr(argv[i], '/') || add_name(argv[i], 0, &names_cap) < 0)
                return -1;
            continue;
        }
        if (!v)
            return -1;
        if (strcmp(argv[i], "--dir") == 0)
            pc.dir = v;
        else if (strcmp(argv[i], "--threads") == 0)
            pc.threads = atoi(v);
        else if (strcmp(argv[i], "--alpha") == 0)
            pc.alpha = strtof(v, NULL);
        else if (strcmp(argv[i], "--classes") == 0)
            pc.classes = atoi(v);
        else if (strcmp(argv[i], "--limit") == 0)
            pc.limit = atoi(v);
        else
            return -1;
        i++;
    }
    return pc.threads >= 1 && pc.threads <= 64 ? 0 : -1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (parse_args(argc, argv) < 0) {
        fprintf(stderr, "usage: photo-classify [--dir DIR] [--threads N] [--alpha A] [--classes N] [--limit N]"
                        " [--local-only] [--shared] [NAME...]\n");
        return 1;
    }
    int rc = pc.count > 0 ? 0 : strncmp(pc.dir, "/dev/dmx/storage", 16) == 0 ? list_all_storage() : list_directory();
    if (rc < 0)
        return 1;
    sort_names();
    if (pc.limit > 0 && pc.count > pc.limit)
        pc.count = pc.limit;
    if (pc.count == 0) {
        fprintf(stderr, "photo-classify: %s: no .jpg photos\n", pc.dir);
        return 1;
    }
    if (assign_photos() < 0 || mobilenet_init(&pc.net, pc.alpha, pc.classes, 0x5eed0001ULL) < 0 ||
        app_queue_init(&pc.results, 16) < 0 ||
        !(pc.labels = calloc((size_t)pc.count, sizeof *pc.labels))) {
        fprintf(stderr, "photo-classify: cannot build the network (alpha %.2f, %d classes)\n", pc.alpha, pc.classes);
        return 1;
    }
    uint64_t start = app_now_ns();
    static int skipped; /* a global, not on main's stack: the collector may run on another device */
    pthread_t collector, workers[64];
    pthread_mutex_init(&pc.next_lock, NULL);
    pthread_create(&collector, NULL, collector_thread, &skipped);
    for (int i = 0; i < pc.threads; i++)
        pthread_create(&workers[i], NULL, classifier_thread, (void *)(intptr_t)i);
    for (int i = 0; i < pc.threads; i++)
        pthread_join(workers[i], NULL);
    app_queue_close(&pc.results);
    pthread_join(collector, NULL);
    double seconds = (double)(app_now_ns() - start) / 1e9;
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (int i = 0; i < pc.count; i++) {
        for (const char *p = pc.names[i]; *p; p++)
            hash = (hash ^ (unsigned char)*p) * 0x100000001b3ULL;
        hash = (hash ^ (uint64_t)(uint32_t)pc.labels[i]) * 0x100000001b3ULL;
    }
    int classified = pc.count - skipped;
    printf("photo-classify: photos=%d skipped=%d threads=%d alpha=%.2f macs_per_photo=%" PRIu64
           " seconds=%.3f photos_per_s=%.3f labels=%016" PRIx64 "\n", classified, skipped, pc.threads, pc.alpha,
           pc.net.macs, seconds, seconds > 0 ? classified / seconds : 0, hash);
    mobilenet_free(&pc.net);
    return classified == 0 ? 1 : skipped ? 2 : 0;
}
