// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One qemu boot with a hard deadline. The guest architecture's qemu
 * (boottest_arch.c) runs with the serial console on its stdout, which is read into memory until
 * qemu exits (the guest powers off; -no-reboot turns a panic reboot into an exit) or the deadline
 * passes and qemu is killed. Nothing here can hang: every wait is bounded by the deadline.
 *
 * Acceleration: KVM (-cpu host) when it can run a guest, else TCG with
 * -cpu max (Debian 6.12's decompressor needs BMI2, which qemu's default
 * TCG CPU model lacks). /dev/kvm is not proof enough: a host whose CPU
 * does not advertise vmx/svm (some nested VMs) still has it, and there the
 * guest dies with "KVM internal error" while qemu stays up, which would
 * cost the whole timeout. So auto also wants the cpuinfo flag, and an auto
 * KVM boot whose output shows KVM failing is stopped at once and run again
 * under TCG, as is a KVM start that fails without guest output.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "boottest.h"
#include "kbtf/err.h"
#include "util.h"

/* After the guest said it is done, how long poweroff may take. */
#define GRACE_AFTER_DONE_S 5.0
#define SERIAL_MAX (64u << 20)

/* Whether @word is one of the space- or tab-separated words of @s..@end. */
static bool has_word(const char *s, const char *end, const char *word)
{
	size_t wlen = strlen(word);

	while (s < end) {
		size_t n;

		s += strspn(s, " \t");
		n = strcspn(s, " \t\n");
		if (s + n > end)
			n = end - s;
		if (n == wlen && !memcmp(s, word, n))
			return true;
		s += n ? n : 1;
	}
	return false;
}

bool kbtf_bt_cpuinfo_has_virt(const char *cpuinfo)
{
	const char *line = cpuinfo;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		const char *colon;
		size_t klen;

		if (!end)
			end = line + strlen(line);
		colon = memchr(line, ':', end - line);
		/* the key is exactly "flags": "vmx flags" lists VMX features */
		if (colon) {
			klen = colon - line;
			while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
				klen--;
			if (klen == 5 && !memcmp(line, "flags", 5) &&
			    (has_word(colon + 1, end, "vmx") || has_word(colon + 1, end, "svm")))
				return true;
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

const char *kbtf_bt_kvm_failure(const char *out)
{
	if (!out)
		return NULL;
	if (strstr(out, "KVM internal error"))
		return "KVM internal error";
	if (strcasestr(out, "failed to initialize kvm") ||
	    strstr(out, "Could not access KVM kernel module"))
		return "qemu could not initialize KVM";
	return NULL;
}

#if defined(__x86_64__) || defined(__i386__)
/* cpuinfo's flags say vmx or svm; true when cpuinfo cannot be read. */
static bool cpu_has_virt(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false, seen = false;

	if (!f)
		return true; /* cannot tell: the KVM-failure retry still catches it */
	/* line by line: the whole file is large on hosts with many CPUs */
	while (!found && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5))
			continue;
		seen = true;
		found = kbtf_bt_cpuinfo_has_virt(line);
		break; /* every CPU lists the same flags */
	}
	free(line);
	fclose(f);
	return found || !seen;
}
#else
static bool cpu_has_virt(void)
{
	return true; /* no portable flag: /dev/kvm answering is the test */
}
#endif

bool kbtf_bt_kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int v;

	if (fd < 0)
		return false;
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	return v == KVM_API_VERSION && cpu_has_virt();
}

static pid_t spawn_qemu(const struct kbtf_qemu_opts *o, bool kvm, int *out_fd)
{
	const struct kbtf_bt_arch *a = o->arch ? o->arch : kbtf_bt_arch_default();
	char mem[16];
	const char *argv[32];
	int n = 0, pipefd[2];
	pid_t pid;

	snprintf(mem, sizeof(mem), "%u", o->mem_mb ? o->mem_mb : 1024);
	argv[n++] = o->qemu ? o->qemu : a->qemu;
	if (a->machine) {
		argv[n++] = "-M";
		argv[n++] = a->machine;
	}
	argv[n++] = "-accel";
	argv[n++] = kvm ? "kvm" : "tcg";
	argv[n++] = "-cpu";
	argv[n++] = kvm ? "host" : "max";
	argv[n++] = "-m";
	argv[n++] = mem;
	argv[n++] = "-nographic";
	argv[n++] = "-no-reboot";
	argv[n++] = "-nic";
	argv[n++] = "none";
	argv[n++] = "-kernel";
	argv[n++] = o->kernel;
	argv[n++] = "-initrd";
	argv[n++] = o->initrd;
	argv[n++] = "-append";
	argv[n++] = o->append ? o->append : a->append;
	argv[n] = NULL;

	if (pipe2(pipefd, O_CLOEXEC))
		return kbtf_err(-errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return kbtf_err(err, "fork: %s", strerror(-err));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "kbtf: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	*out_fd = pipefd[0];
	return pid;
}

static int serial_append(struct kbtf_qemu_run *run, size_t *cap, const char *p, size_t n)
{
	char *q;

	if (run->serial_len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 1 << 16;

		while (c < run->serial_len + n + 1)
			c *= 2;
		q = realloc(run->serial, c);
		if (!q)
			return kbtf_err(-ENOMEM, "serial log: out of memory");
		run->serial = q;
		*cap = c;
	}
	memcpy(run->serial + run->serial_len, p, n);
	run->serial_len += n;
	run->serial[run->serial_len] = '\0';
	return 0;
}

/*
 * Read qemu's output until EOF or the deadline; 1 when the deadline hit.
 * With @watch_kvm, 2 as soon as the output shows KVM failing: qemu then
 * sits on a dead guest until killed.
 */
static int collect(const struct kbtf_qemu_opts *o, int fd, double start, bool watch_kvm,
		   struct kbtf_qemu_run *run)
{
	double deadline = start + (o->timeout_s ? o->timeout_s : 60);
	size_t cap = 0;
	bool done = false;
	char chunk[8192];

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		double left = deadline - kbtf_now_s();
		ssize_t n;
		int r, err;

		if (left <= 0)
			return 1;
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return kbtf_err(-errno, "poll: %s", strerror(errno));
		if (r == 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0; /* qemu closed its output: it is exiting */
		if (run->serial_len + n > SERIAL_MAX)
			continue; /* a runaway console: keep the head, wait for the end */
		err = serial_append(run, &cap, chunk, n);
		if (err)
			return err;
		/* from a little before this chunk: a message may straddle reads */
		if (watch_kvm) {
			size_t from = run->serial_len - n;

			if (kbtf_bt_kvm_failure(run->serial + (from > 64 ? from - 64 : 0)))
				return 2;
		}
		if (!done && o->done_marker && strstr(run->serial, o->done_marker)) {
			done = true;
			if (deadline > kbtf_now_s() + GRACE_AFTER_DONE_S)
				deadline = kbtf_now_s() + GRACE_AFTER_DONE_S;
		}
	}
}

/* Wait for qemu to exit, at most until @deadline; kill it after that. */
static int reap(pid_t pid, bool kill_now, double deadline)
{
	int status = 0;

	if (!kill_now) {
		while (kbtf_now_s() < deadline) {
			pid_t r = waitpid(pid, &status, WNOHANG);

			if (r == pid)
				goto decode;
			if (r < 0 && errno != EINTR)
				return -1;
			usleep(20000);
		}
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
decode:
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	return -1;
}

static int run_once(const struct kbtf_qemu_opts *o, bool kvm, bool watch_kvm,
		    struct kbtf_qemu_run *run)
{
	double start = kbtf_now_s();
	int fd = -1, r;
	pid_t pid;

	memset(run, 0, sizeof(*run));
	run->accel = kvm ? "kvm" : "tcg";
	pid = spawn_qemu(o, kvm, &fd);
	if (pid < 0)
		return pid;
	r = collect(o, fd, start, kvm && watch_kvm, run);
	close(fd);
	if (r < 0) {
		reap(pid, true, 0);
		return r;
	}
	run->timed_out = r == 1;
	run->exit_code = reap(pid, r != 0, kbtf_now_s() + GRACE_AFTER_DONE_S);
	run->seconds = kbtf_now_s() - start;
	if (!run->serial)
		return serial_append(run, &(size_t){0}, "", 0);
	return 0;
}

int kbtf_qemu_run(const struct kbtf_qemu_opts *o, struct kbtf_qemu_run *run)
{
	/* KVM runs only guests of the host's own architecture */
	bool autokvm = o->accel == KBTF_BT_ACCEL_AUTO &&
		       kbtf_bt_arch_is_host(o->arch ? o->arch : kbtf_bt_arch_default()) &&
		       kbtf_bt_kvm_usable();
	bool kvm = o->accel == KBTF_BT_ACCEL_KVM || autokvm;
	const char *why;
	double kvm_s;
	int err;

	/* an explicit --accel kvm is run as asked, whatever happens */
	err = run_once(o, kvm, autokvm, run);
	if (err || !autokvm)
		return err;
	why = kbtf_bt_kvm_failure(run->serial);
	/* KVM that refused the machine outright: no guest output at all */
	if (!why && !run->timed_out && run->exit_code != 0 && !strstr(run->serial, "KBTF-"))
		why = "qemu exited before the guest ran";
	if (!why)
		return 0;
	kvm_s = run->seconds;
	kbtf_qemu_run_fini(run);
	err = run_once(o, false, false, run);
	run->kvm_failed = why;
	run->kvm_seconds = kvm_s;
	return err;
}

void kbtf_qemu_run_fini(struct kbtf_qemu_run *run)
{
	free(run->serial);
	memset(run, 0, sizeof(*run));
}
