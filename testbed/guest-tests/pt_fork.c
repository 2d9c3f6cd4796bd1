/* pt_fork: an unmodified pthread program whose threads start child processes with fork(). main() fills a table
 * (four pages the threads never read) and registers an atfork child handler that sets a flag. Each of NTHREADS
 * threads puts its number in two globals, a heap block and a variable on its own stack, then forks twice:
 *   - the first child waits until the thread has changed the second global, reads the four values (the second
 *     global as it was at the fork), checks the table's sum and that the atfork handler ran, sends the sum of
 *     the four values through a pipe (plus 1000000 for a wrong table sum, 2000000 if the handler did not run),
 *     overwrites the first three and the flag, and exits with exit(10 + its number) (exit, not _exit: the
 *     atexit handlers libdmx registered must leave the run alone);
 *   - the second child runs /bin/sh -c 'exit 5' with execl.
 * The thread checks the sum, both exit statuses, and that its own three values and the flag are untouched: the
 * child had a copy of the thread's memory, not the memory itself. Prints (the same on any number of devices)
 *   fork threads=<N> children_ok=<N> ok
 * and, on stderr, the device each thread ran on. Usage: pt_fork [NTHREADS] */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static long in_global[16], changed_after_fork[16];

#define TABLE_LEN 2048
static long table[TABLE_LEN];           /* written before the threads start: a forked child must see it */
static volatile int atfork_child_ran;   /* the handler's write goes to the child's copy only */

static void mark_child(void)
{
    atfork_child_ran = 1;
}

static long table_sum(void)
{
    long sum = 0;
    for (int i = 0; i < TABLE_LEN; i++)
        sum += table[i];
    return sum;
}

struct job { int id, device; long *in_heap; bool ok; };
static struct job jobs[16];

static bool exited_with(pid_t child, int status)
{
    int st;
    return child > 0 && waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == status;
}

static void *work(void *arg)
{
    struct job *j = arg;
    const char *dev = getenv("DMX_DEVICE_INDEX");
    j->device = dev ? atoi(dev) : 1;
    volatile long on_stack = j->id;
    in_global[j->id] = changed_after_fork[j->id] = j->id;
    *j->in_heap = j->id;
    int pipefd[2], go[2];
    if (pipe(pipefd) != 0 || pipe(go) != 0)
        return NULL;
    pid_t child = fork();
    if (child == 0) {
        char byte;
        if (read(go[0], &byte, 1) != 1)
            _exit(2);
        long sum = in_global[j->id] + *j->in_heap + on_stack + changed_after_fork[j->id];
        if (table_sum() != (long)TABLE_LEN * (TABLE_LEN + 1) / 2)
            sum += 1000000;
        if (!atfork_child_ran)
            sum += 2000000;
        in_global[j->id] = *j->in_heap = on_stack = -1;
        atfork_child_ran = 0;
        exit(write(pipefd[1], &sum, sizeof sum) == sizeof sum ? 10 + j->id : 1);
    }
    changed_after_fork[j->id] = -100;      /* the child's copy must not see this */
    bool went = child > 0 && write(go[1], "g", 1) == 1;
    long sum = -1;
    bool got = went && read(pipefd[0], &sum, sizeof sum) == sizeof sum;
    bool first = exited_with(child, 10 + j->id);
    close(pipefd[0]);
    close(pipefd[1]);
    close(go[0]);
    close(go[1]);
    pid_t shell = fork();
    if (shell == 0) {
        execl("/bin/sh", "sh", "-c", "exit 5", (char *)NULL);
        _exit(127);
    }
    bool second = exited_with(shell, 5);
    bool kept = in_global[j->id] == j->id && *j->in_heap == j->id && on_stack == j->id && !atfork_child_ran;
    j->ok = got && sum == 4L * j->id && first && second && kept;
    if (!j->ok)
        fprintf(stderr, "pt_fork: thread %d: sum %ld (got %d), first child %d, shell %d, kept %d WRONG\n", j->id, sum,
                got, first, second, kept);
    return j;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2;
    if (n < 1 || n > 16)
        return 2;
    pthread_t th[16];
    for (int i = 0; i < TABLE_LEN; i++)
        table[i] = i + 1;
    if (pthread_atfork(NULL, NULL, mark_child) != 0)
        return 1;
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct job){ .id = i, .in_heap = malloc(sizeof(long)) };
        if (!jobs[i].in_heap || pthread_create(&th[i], NULL, work, &jobs[i]) != 0)
            return 1;
    }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        ok += jobs[i].ok;
        fprintf(stderr, "pt_fork: thread %d ran on device %d\n", i, jobs[i].device);
    }
    printf("fork threads=%d children_ok=%d %s\n", n, ok, ok == n ? "ok" : "WRONG");
    return ok == n ? 0 : 1;
}
