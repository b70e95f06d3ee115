// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * External tools: fork, optionally capture the output through a pipe,
 * exec by PATH with a few extra environment variables, wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "kbtf/err.h"
#include "run.h"

static void child(const char *const *argv, const struct kbtf_run_opts *o, int out_fd)
{
	const char *const *e;

	if (o && o->cwd && chdir(o->cwd) < 0) {
		fprintf(stderr, "kbtf: cannot enter %s: %s\n", o->cwd, strerror(errno));
		_exit(127);
	}
	for (e = o ? o->env : NULL; e && *e; e++)
		putenv((char *)*e);
	if (out_fd >= 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
		close(out_fd);
	} else if (o && o->stdout_to_stderr) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
	}
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "kbtf: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Read all the output and keep it NUL-terminated (size excludes the NUL). */
static int collect(int fd, struct kbtf_buf *capture)
{
	int err = kbtf_buf_from_fd(fd, "tool output", capture);
	uint8_t *p;

	close(fd);
	if (err)
		return err;
	p = realloc(capture->data, capture->size + 1);
	if (!p)
		return kbtf_err_nomem();
	p[capture->size] = '\0';
	capture->data = p;
	return 0;
}

int kbtf_run(const char *const *argv, const struct kbtf_run_opts *opts)
{
	int pipefd[2] = {-1, -1}, status, err = 0;
	pid_t pid;

	if (opts && opts->capture) {
		memset(opts->capture, 0, sizeof(*opts->capture));
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return kbtf_err(-errno, "cannot run %s: %s", argv[0], strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return kbtf_err(err, "cannot run %s: %s", argv[0], strerror(-err));
	}
	if (pid == 0)
		child(argv, opts, pipefd[1]);
	kbtf_cleanup_child(pid);
	if (pipefd[0] >= 0) {
		close(pipefd[1]);
		err = collect(pipefd[0], opts->capture);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			kbtf_cleanup_child(0);
			return kbtf_err(-KBTF_ETOOL, "%s: cannot wait: %s", argv[0],
					strerror(errno));
		}
	}
	kbtf_cleanup_child(0);
	if (err)
		return err;
	if (WIFSIGNALED(status))
		return kbtf_err(-KBTF_ETOOL, "%s was killed by signal %d", argv[0],
				WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		return kbtf_err(-KBTF_ETOOL, "cannot run %s (not installed, or not in PATH?)",
				argv[0]);
	return WEXITSTATUS(status);
}

const char *kbtf_run_tail(const struct kbtf_buf *capture, int max_lines)
{
	const char *s, *p;
	size_t n;

	if (!capture || !capture->data || !capture->size)
		return "";
	s = (const char *)capture->data;
	n = capture->size;
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\0'))
		n--;
	/* collect() left room for the terminator: end the string at the last line */
	((char *)capture->data)[n] = '\0';
	for (p = s + n; p > s && max_lines > 0; p--)
		if (p[-1] == '\n' && --max_lines == 0)
			break;
	return p;
}
