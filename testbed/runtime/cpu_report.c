/* The devmodel plugin's reports, read by the policies (see cpu_report.h). */
#include "cpu_report.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TIDS 256

struct tid_insns {
    int tid;
    uint64_t insns, emul_ns, runnable_ns;   /* runnable: running, or throttled (waiting for the model's CPU) */
    double per_s, runnable;
};

/* One report as read from its file. */
struct parsed_report {
    double ips, cores;
    uint64_t emul_ns, insns;
    bool have_device;
};

static struct {
    pthread_mutex_t lock;       /* libdmx's own (private) data: the real pthread mutex, not a global lock */
    bool named;
    char names[CPU_REPORT_MAX_DEVICES][64];
    struct cpu_device dev[CPU_REPORT_MAX_DEVICES];
    struct tid_insns tids[MAX_TIDS];
    uint32_t ntids;
} rep = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Device names in index order, from DMX_DEVICES ("name=ip,..."); called with rep.lock held. */
static void read_device_names(void)
{
    const char *p = getenv("DMX_DEVICES");
    rep.named = true;
    for (uint32_t i = 1; p && *p && i < CPU_REPORT_MAX_DEVICES; i++) {
        size_t n = strcspn(p, "=,");
        snprintf(rep.names[i], sizeof rep.names[i], "%.*s", (int)n, p);
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
}

/* A per-thread line "tid insns busy_ns run_ns sleep_ns ...": the thread's rate, and the share of the time it was
 * runnable, since it was last seen in an older report. */
static void note_tid_line(const char *line, uint64_t emul)
{
    char *end;
    long tid = strtol(line, &end, 10);
    uint64_t n = strtoull(end, &end, 10);
    (void)strtoull(end, &end, 10);                      /* busy_ns */
    uint64_t run = strtoull(end, &end, 10), sleep = strtoull(end, NULL, 10);
    uint32_t i = 0;
    while (i < rep.ntids && rep.tids[i].tid != (int)tid)
        i++;
    if (i == rep.ntids && rep.ntids < MAX_TIDS)
        rep.tids[rep.ntids++] = (struct tid_insns){ (int)tid, n, emul, run + sleep, 0, 0 };
    else if (i < rep.ntids && emul > rep.tids[i].emul_ns) {
        struct tid_insns *t = &rep.tids[i];
        double span = (double)(emul - t->emul_ns);
        t->per_s = (double)(n - t->insns) * 1e9 / span;
        t->runnable = run + sleep >= t->runnable_ns ? (double)(run + sleep - t->runnable_ns) / span : 0;
        t->insns = n;
        t->emul_ns = emul;
        t->runnable_ns = run + sleep;
    }
}

/* Parses the report at path: its header (ips, cores, emul_ns), its device line, and (per_thread) its tid lines. */
static int parse_report(const char *path, bool per_thread, struct parsed_report *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    *out = (struct parsed_report){ .cores = 1 };
    while (fgets(line, sizeof line, f)) {
        const char *p;
        if (line[0] == '#') {
            if ((p = strstr(line, " ips=")))
                out->ips = strtod(p + 5, NULL);
            if ((p = strstr(line, " cores=")))
                out->cores = strtod(p + 7, NULL);
            if ((p = strstr(line, " emul_ns=")))
                out->emul_ns = strtoull(p + 9, NULL, 10);
        } else if (strncmp(line, "device ", 7) == 0) {
            out->insns = strtoull(line + 7, NULL, 10);
            out->have_device = true;
        } else if (per_thread && line[0] >= '0' && line[0] <= '9') {
            note_tid_line(line, out->emul_ns);
        }
    }
    fclose(f);
    return out->have_device ? 0 : -1;
}

/* A newer report of device c: what it used since the previous one gives its idle CPU. */
static void note_device(struct cpu_device *c, const struct parsed_report *r)
{
    if (c->have && r->emul_ns > c->emul_ns && r->ips > 0) {
        double used = (double)(r->insns - c->insns) * 1e9 / (double)(r->emul_ns - c->emul_ns);
        c->idle_insns_per_s = r->ips * r->cores - used;
        c->have_idle = true;
    }
    if (!c->have || r->emul_ns > c->emul_ns) {
        c->have = true;
        c->insns = r->insns;
        c->emul_ns = r->emul_ns;
        c->ips = r->ips;
        c->cores = r->cores;
    }
}

int cpu_report_read(uint32_t dev, bool per_thread)
{
    const char *run = getenv("DMX_RUN_DIR");
    if (dev == 0 || dev >= CPU_REPORT_MAX_DEVICES || !run || !*run)
        return -1;
    pthread_mutex_lock(&rep.lock);
    if (!rep.named)
        read_device_names();
    int rc = -1;
    if (rep.names[dev][0]) {
        char path[4096];
        struct parsed_report r;
        snprintf(path, sizeof path, "%s/devices/%s/cpu.stats", run, rep.names[dev]);
        if ((rc = parse_report(path, per_thread, &r)) == 0)
            note_device(&rep.dev[dev], &r);
    }
    pthread_mutex_unlock(&rep.lock);
    return rc;
}

struct cpu_device cpu_report_device(uint32_t dev)
{
    struct cpu_device c = { 0 };
    if (dev == 0 || dev >= CPU_REPORT_MAX_DEVICES)
        return c;
    pthread_mutex_lock(&rep.lock);
    c = rep.dev[dev];
    pthread_mutex_unlock(&rep.lock);
    return c;
}

double cpu_report_idle_cores(uint32_t dev)
{
    cpu_report_read(dev, false);        /* a missing report leaves the last measurement, if any */
    struct cpu_device c = cpu_report_device(dev);
    if (!c.have_idle || c.ips <= 0)
        return -1;
    return c.idle_insns_per_s / c.ips;
}

double cpu_report_tid_rate(int tid)
{
    double rate = 0;
    pthread_mutex_lock(&rep.lock);
    for (uint32_t i = 0; i < rep.ntids; i++)
        if (rep.tids[i].tid == tid)
            rate = rep.tids[i].per_s;
    pthread_mutex_unlock(&rep.lock);
    return rate;
}

double cpu_report_tid_runnable(int tid)
{
    double runnable = 0;
    pthread_mutex_lock(&rep.lock);
    for (uint32_t i = 0; i < rep.ntids; i++)
        if (rep.tids[i].tid == tid)
            runnable = rep.tids[i].runnable < 1 ? rep.tids[i].runnable : 1;
    pthread_mutex_unlock(&rep.lock);
    return runnable;
}

bool cpu_report_tid_count(int tid, uint64_t *insns, uint64_t *emul_ns)
{
    bool found = false;
    pthread_mutex_lock(&rep.lock);
    for (uint32_t i = 0; i < rep.ntids && !found; i++)
        if (rep.tids[i].tid == tid) {
            *insns = rep.tids[i].insns;
            *emul_ns = rep.tids[i].emul_ns;
            found = true;
        }
    pthread_mutex_unlock(&rep.lock);
    return found;
}

const char *cpu_report_device_name(uint32_t dev)
{
    if (dev == 0 || dev >= CPU_REPORT_MAX_DEVICES)
        return "";
    pthread_mutex_lock(&rep.lock);
    if (!rep.named)
        read_device_names();
    pthread_mutex_unlock(&rep.lock);
    return rep.names[dev];
}
