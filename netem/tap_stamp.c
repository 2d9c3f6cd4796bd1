/* tap_stamp.c: per-frame TAP arrival timestamps through an eBPF socket filter (see tap_stamp.h).
 *
 * The filter runs in tun_net_xmit() for every frame, before it is queued for read(). It takes a sequence
 * number from slot 0 of an array map (atomic fetch-add) and writes {ktime_get_ns(), skb->len, seq} into slot
 * 1 + seq % SLOTS, then returns skb->len (keep the whole frame). The medium mmaps the array and walks it in
 * the same order as it reads frames. A frame the TAP drops after the filter (its ring full) leaves a record
 * without a frame; the walk skips records whose length does not match, and records overwritten by a later
 * frame fail the sequence check, so a mismatch degrades to "no timestamp", never to a wrong frame's one
 * (short of two frames of equal length swapping, which only a full ring can cause). */
#include "tap_stamp.h"
#include <errno.h>
#include <gio/gio.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLOTS 4096 /* > the TAP's ring (txqueuelen, default 1000), so a record outlives its queued frame */
#define MAX_SKIP 64

typedef struct {
  guint64 t_ns;
  guint32 len;
  guint32 seq;
} Slot;

struct TapStamp {
  int map_fd, prog_fd;
  volatile Slot *slots; /* [0].t_ns is the writer's sequence counter */
  size_t map_bytes;
  guint64 tail; /* sequence number of the next record to match */
};

static int bpf(int cmd, union bpf_attr *attr)
{
  return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ALU64_IMM(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ST_MEM(sz, d, o, i) INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define STX_MEM(sz, d, s, o) INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define LDX_MEM(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define LD_MAP_FD(d, fd) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define FETCH_ADD64(d, s, o) INSN(BPF_STX | BPF_DW | BPF_ATOMIC, d, s, o, BPF_ADD | BPF_FETCH)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int load_prog(int map_fd, GError **error)
{
  const int len_off = offsetof(struct __sk_buff, len);
  struct bpf_insn prog[] = {
    MOV64_REG(BPF_REG_6, BPF_REG_1),                      /* 0: r6 = skb */
    ST_MEM(BPF_W, BPF_REG_10, -4, 0),                     /* 1: key 0 */
    LD_MAP_FD(BPF_REG_1, map_fd),                         /* 2,3 */
    MOV64_REG(BPF_REG_2, BPF_REG_10),                     /* 4 */
    ALU64_IMM(BPF_ADD, BPF_REG_2, -4),                    /* 5 */
    CALL(BPF_FUNC_map_lookup_elem),                       /* 6 */
    JEQ_IMM(BPF_REG_0, 0, 18),                            /* 7: -> 26 */
    MOV64_IMM(BPF_REG_1, 1),                              /* 8 */
    FETCH_ADD64(BPF_REG_0, BPF_REG_1, 0),                 /* 9: r1 = seq++ */
    MOV64_REG(BPF_REG_8, BPF_REG_1),                      /* 10: r8 = seq */
    ALU64_IMM(BPF_AND, BPF_REG_1, SLOTS - 1),             /* 11 */
    ALU64_IMM(BPF_ADD, BPF_REG_1, 1),                     /* 12 */
    STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -8),            /* 13: key 1 + seq % SLOTS */
    LD_MAP_FD(BPF_REG_1, map_fd),                         /* 14,15 */
    MOV64_REG(BPF_REG_2, BPF_REG_10),                     /* 16 */
    ALU64_IMM(BPF_ADD, BPF_REG_2, -8),                    /* 17 */
    CALL(BPF_FUNC_map_lookup_elem),                       /* 18 */
    JEQ_IMM(BPF_REG_0, 0, 6),                             /* 19: -> 26 */
    MOV64_REG(BPF_REG_7, BPF_REG_0),                      /* 20 */
    CALL(BPF_FUNC_ktime_get_ns),                          /* 21 */
    STX_MEM(BPF_DW, BPF_REG_7, BPF_REG_0, 0),             /* 22: t_ns */
    LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, len_off),        /* 23 */
    STX_MEM(BPF_W, BPF_REG_7, BPF_REG_1, 8),              /* 24: len */
    STX_MEM(BPF_W, BPF_REG_7, BPF_REG_8, 12),             /* 25: seq, written last */
    LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6, len_off),        /* 26: keep the whole frame */
    EXIT(),                                               /* 27 */
  };
  char log[4096] = "";
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  a.insns = (guint64)(uintptr_t)prog;
  a.insn_cnt = G_N_ELEMENTS(prog);
  a.license = (guint64)(uintptr_t) "GPL";
  a.log_buf = (guint64)(uintptr_t)log;
  a.log_size = sizeof(log);
  a.log_level = 1;
  g_strlcpy(a.prog_name, "dmx_tap_stamp", sizeof(a.prog_name));
  int fd = bpf(BPF_PROG_LOAD, &a);
  if (fd < 0)
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "BPF_PROG_LOAD: %s %s", g_strerror(errno), log);
  return fd;
}

TapStamp *tap_stamp_attach(int tap_fd, GError **error)
{
  struct stat st;
  if (fstat(tap_fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not a TAP device");
    return NULL;
  }
  TapStamp *ts = g_new0(TapStamp, 1);
  ts->map_fd = ts->prog_fd = -1;
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.map_type = BPF_MAP_TYPE_ARRAY;
  a.key_size = 4;
  a.value_size = sizeof(Slot);
  a.max_entries = SLOTS + 1;
  a.map_flags = BPF_F_MMAPABLE;
  ts->map_fd = bpf(BPF_MAP_CREATE, &a);
  if (ts->map_fd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "BPF_MAP_CREATE: %s", g_strerror(errno));
    goto fail;
  }
  long page = sysconf(_SC_PAGESIZE);
  ts->map_bytes = ((SLOTS + 1) * sizeof(Slot) + page - 1) / page * page;
  void *p = mmap(NULL, ts->map_bytes, PROT_READ, MAP_SHARED, ts->map_fd, 0);
  if (p == MAP_FAILED) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "mmap BPF map: %s", g_strerror(errno));
    goto fail;
  }
  ts->slots = p;
  if ((ts->prog_fd = load_prog(ts->map_fd, error)) < 0)
    goto fail;
  /* Frames already queued in the TAP have no record: start matching at the first one filtered from now on;
   * lookups before that fail (the caller uses its read time). */
  ts->tail = 0;
  if (ioctl(tap_fd, TUNSETFILTEREBPF, &ts->prog_fd) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "TUNSETFILTEREBPF: %s", g_strerror(errno));
    goto fail;
  }
  return ts;
fail:
  tap_stamp_free(ts);
  return NULL;
}

gboolean tap_stamp_lookup(TapStamp *ts, guint32 len, guint64 *t_ns)
{
  guint64 head = __atomic_load_n(&ts->slots[0].t_ns, __ATOMIC_ACQUIRE);
  if (head - ts->tail > SLOTS) /* fell behind the ring: resynchronise on the oldest record still there */
    ts->tail = head - SLOTS;
  for (int skipped = 0; ts->tail < head && skipped < MAX_SKIP; skipped++) {
    volatile Slot *s = &ts->slots[1 + (ts->tail & (SLOTS - 1))];
    guint32 seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
    guint64 t = s->t_ns;
    guint32 l = s->len;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    gboolean intact = seq == (guint32)ts->tail && __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
    ts->tail++;
    if (intact && l == len) {
      *t_ns = t;
      return TRUE;
    }
  }
  return FALSE;
}

void tap_stamp_free(TapStamp *ts)
{
  if (!ts)
    return;
  if (ts->slots)
    munmap((void *)ts->slots, ts->map_bytes);
  if (ts->prog_fd >= 0)
    close(ts->prog_fd);
  if (ts->map_fd >= 0)
    close(ts->map_fd);
  g_free(ts);
}
