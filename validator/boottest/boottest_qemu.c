// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One qemu boot with a hard deadline. qemu-system-x86_64 runs with the
 * serial console on its stdout, which is read into memory until qemu exits
 * (the guest powers off; -no-reboot turns a panic reboot into an exit) or
 * the deadline passes and qemu is killed. Nothing here can hang: every
 * wait is bounded by the deadline.
 *
 * Acceleration: KVM (-cpu host) when /dev/kvm answers, else TCG with
 * -cpu max (Debian 6.12's decompressor needs BMI2, which qemu's default
 * TCG CPU model lacks). A KVM start that fails without output falls back
 * to TCG.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#define DEFAULT_APPEND "console=ttyS0 panic=-1 loglevel=7"
#define DEFAULT_QEMU "qemu-system-x86_64"
/* After the guest said it is done, how long poweroff may take. */
#define GRACE_AFTER_DONE_S 5.0
#define SERIAL_MAX (64u << 20)

bool kbtf_bt_kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int v;

	if (fd < 0)
		return false;
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	return v == KVM_API_VERSION;
}

static pid_t spawn_qemu(const struct kbtf_qemu_opts *o, bool kvm, int *out_fd)
{
	char mem[16];
	const char *argv[32];
	int n = 0, pipefd[2];
	pid_t pid;

	snprintf(mem, sizeof(mem), "%u", o->mem_mb ? o->mem_mb : 1024);
	argv[n++] = o->qemu ? o->qemu : DEFAULT_QEMU;
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
	argv[n++] = o->append ? o->append : DEFAULT_APPEND;
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

/* Read qemu's output until EOF or the deadline; 1 when the deadline hit. */
static int collect(const struct kbtf_qemu_opts *o, int fd, double start, struct kbtf_qemu_run *run)
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

static int run_once(const struct kbtf_qemu_opts *o, bool kvm, struct kbtf_qemu_run *run)
{
	double start = kbtf_now_s();
	int fd = -1, r;
	pid_t pid;

	memset(run, 0, sizeof(*run));
	run->accel = kvm ? "kvm" : "tcg";
	pid = spawn_qemu(o, kvm, &fd);
	if (pid < 0)
		return pid;
	r = collect(o, fd, start, run);
	close(fd);
	if (r < 0) {
		reap(pid, true, 0);
		return r;
	}
	run->timed_out = r == 1;
	run->exit_code = reap(pid, run->timed_out, kbtf_now_s() + GRACE_AFTER_DONE_S);
	run->seconds = kbtf_now_s() - start;
	if (!run->serial)
		return serial_append(run, &(size_t){0}, "", 0);
	return 0;
}

int kbtf_qemu_run(const struct kbtf_qemu_opts *o, struct kbtf_qemu_run *run)
{
	bool kvm = o->accel == KBTF_BT_ACCEL_KVM ||
		   (o->accel == KBTF_BT_ACCEL_AUTO && kbtf_bt_kvm_usable());
	int err;

	err = run_once(o, kvm, run);
	if (err || !kvm || o->accel == KBTF_BT_ACCEL_KVM)
		return err;
	/* KVM that refused the machine outright: try again without it. */
	if (!run->timed_out && run->exit_code != 0 && !strstr(run->serial, "KBTF-")) {
		kbtf_qemu_run_fini(run);
		err = run_once(o, false, run);
	}
	return err;
}

void kbtf_qemu_run_fini(struct kbtf_qemu_run *run)
{
	free(run->serial);
	memset(run, 0, sizeof(*run));
}
