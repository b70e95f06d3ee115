// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Read-only file mappings shared within a process (buf_shared.h).
 *
 * Delta profiles of one kernel series are stored against one reference
 * BTF and one reference index (btf.ref, index.ref, links to one object of
 * the store). Mapped anew for every profile opened, each of the pages a
 * judge reads was a page fault again, every time: on this project's 2-core
 * VM those faults were about half the wall time of opening a delta
 * profile and judging a module on it. Mapped once and kept, the pages
 * stay in the process's page tables from one profile to the next.
 *
 * A reader may keep with a mapping what it made of its bytes (the
 * reference index, checked on open, and what its lookups have checked
 * since): a reference found damaged stays damaged for every profile
 * against it while it is kept, and a file rewritten (its change time
 * moves, whatever is done to its modification time) is mapped and read
 * anew by the next open. A private mapping the process never writes
 * shows the page cache, as an unshared one does.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf_shared.h"
#include "cleanup.h"
#include "kbtf/err.h"

struct shared_map {
	struct shared_map *next;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	void *data;
	unsigned int holders;
	uint64_t released; /* when the last holder let go (a count) */
	/* what a reader made of the bytes, kept as long as they are mapped */
	const void *obj_kind;
	void *obj;
	void (*obj_free)(void *obj);
};

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_map *shared_maps;
static uint64_t shared_clock;

static bool same_file(const struct shared_map *m, const struct stat *st)
{
	return m->dev == st->st_dev && m->ino == st->st_ino && m->size == st->st_size &&
	       m->mtime.tv_sec == st->st_mtim.tv_sec && m->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       m->ctime.tv_sec == st->st_ctim.tv_sec && m->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* The mapping of the file of @st, or NULL. Locked. */
static struct shared_map *find_file(const struct stat *st)
{
	struct shared_map *m;

	for (m = shared_maps; m && !same_file(m, st); m = m->next)
		;
	return m;
}

/* @m for one more holder, as @out. Locked. */
static void hold(struct shared_map *m, struct kbtf_buf *out)
{
	m->holders++;
	*out = (struct kbtf_buf){m->data, (size_t)m->size, KBTF_BUF_SHARED};
}

/* Unmap the idle mappings past KBTF_SHARED_IDLE, the longest idle first. Locked. */
static void trim_idle(void)
{
	struct shared_map **p, **oldest, *m;
	unsigned int idle;

	for (;;) {
		idle = 0;
		oldest = NULL;
		for (p = &shared_maps; *p; p = &(*p)->next) {
			if ((*p)->holders)
				continue;
			idle++;
			if (!oldest || (*p)->released < (*oldest)->released)
				oldest = p;
		}
		if (idle <= KBTF_SHARED_IDLE)
			return;
		m = *oldest;
		*oldest = m->next;
		if (m->obj)
			m->obj_free(m->obj);
		kbtf_guard_unmap(m->data);
		munmap(m->data, (size_t)m->size);
		free(m);
	}
}

int kbtf_buf_from_file_shared(const char *path, struct kbtf_buf *out)
{
	struct shared_map *m;
	struct stat st;
	void *map;
	int fd, err;

	memset(out, 0, sizeof(*out));
	/* a file mapped already is taken by its stat alone: no open */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		pthread_mutex_lock(&shared_lock);
		m = find_file(&st);
		if (m)
			hold(m, out);
		pthread_mutex_unlock(&shared_lock);
		if (m)
			return 0;
	}
	fd = kbtf_buf_open(path, &st);
	if (fd < 0)
		return fd;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
		err = kbtf_buf_from_opened(fd, &st, path, out);
		close(fd);
		return err;
	}
	pthread_mutex_lock(&shared_lock);
	m = find_file(&st);
	if (!m) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		m = map == MAP_FAILED ? NULL : calloc(1, sizeof(*m));
		if (m) {
			m->next = shared_maps;
			m->dev = st.st_dev;
			m->ino = st.st_ino;
			m->size = st.st_size;
			m->mtime = st.st_mtim;
			m->ctime = st.st_ctim;
			m->data = map;
			shared_maps = m;
			/* shrunk by someone while mapped: "changed", exit 2, not SIGBUS */
			kbtf_guard_map(map, (size_t)st.st_size, path);
		} else if (map != MAP_FAILED) {
			munmap(map, (size_t)st.st_size);
		}
	}
	if (m)
		hold(m, out);
	pthread_mutex_unlock(&shared_lock);
	/* not mappable (or no memory to keep it): read unshared, as without */
	err = m ? 0 : kbtf_buf_from_opened(fd, &st, path, out);
	close(fd);
	return err;
}

/* The mapping of @data. Locked. */
static struct shared_map *map_of(const void *data)
{
	struct shared_map *m;

	for (m = shared_maps; m && m->data != data; m = m->next)
		;
	return m;
}

void kbtf_buf_shared_put(const void *data)
{
	struct shared_map *m;

	pthread_mutex_lock(&shared_lock);
	m = map_of(data);
	if (m && m->holders && !--m->holders) {
		m->released = ++shared_clock;
		trim_idle();
	}
	pthread_mutex_unlock(&shared_lock);
}

void *kbtf_buf_shared_obj(const struct kbtf_buf *b, const void *kind)
{
	struct shared_map *m;
	void *obj = NULL;

	if (b->owner != KBTF_BUF_SHARED)
		return NULL;
	pthread_mutex_lock(&shared_lock);
	m = map_of(b->data);
	if (m && m->obj_kind == kind)
		obj = m->obj;
	pthread_mutex_unlock(&shared_lock);
	return obj;
}

void *kbtf_buf_shared_attach(const struct kbtf_buf *b, const void *kind, void *obj,
			     void (*obj_free)(void *obj))
{
	struct shared_map *m;
	void *kept = NULL;

	if (b->owner != KBTF_BUF_SHARED)
		return NULL;
	pthread_mutex_lock(&shared_lock);
	m = map_of(b->data);
	if (m && !m->obj) {
		m->obj_kind = kind;
		m->obj = obj;
		m->obj_free = obj_free;
	}
	if (m && m->obj_kind == kind)
		kept = m->obj;
	pthread_mutex_unlock(&shared_lock);
	return kept;
}

unsigned int kbtf_buf_shared_idle(void)
{
	const struct shared_map *m;
	unsigned int n = 0;

	pthread_mutex_lock(&shared_lock);
	for (m = shared_maps; m; m = m->next)
		n += !m->holders;
	pthread_mutex_unlock(&shared_lock);
	return n;
}
