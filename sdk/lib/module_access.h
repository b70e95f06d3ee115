/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The build-time access record: every access of a module's code to a member
 * of a kernel struct or union, as the compiler saw it (access/, the GCC
 * plugin kbtf_access, writes it). Each object file carries its own blob in
 * .note.kbtf.access; kbtf distill merges them into one .kbtf.access with
 * strings and records deduplicated. docs/access.md has the format.
 */
#ifndef KBTF_MODULE_ACCESS_H
#define KBTF_MODULE_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "kbtf/buf.h"
#include "kbtf/source.h"

#define KBTF_ACCESS_SECTION ".kbtf.access"
/* what the plugin writes in each object; the linker concatenates them */
#define KBTF_ACCESS_OBJ_SECTION ".note.kbtf.access"

#define KBTF_ACC_READ 0x1u
#define KBTF_ACC_WRITE 0x2u
#define KBTF_ACC_ADDR 0x4u     /* its address is taken (&p->m, passed on) */
#define KBTF_ACC_BITFIELD 0x8u /* the member is a bitfield */
#define KBTF_ACC_HELPER 0x10u  /* in a kernel-header helper emitted out of line */
#define KBTF_ACC_UNION 0x20u   /* the type is a union */
#define KBTF_ACC_HOW (KBTF_ACC_READ | KBTF_ACC_WRITE | KBTF_ACC_ADDR)

struct kbtf_access_rec {
	const char *type;  /* "struct net_device", "union ...", or a typedef name */
	const char *path;  /* named members from the type down: "stats.rx_packets" */
	const char *mtype; /* the member's type: "unsigned int", "struct list_head*" */
	const char *func;  /* the module's function */
	const char *via;   /* the kernel-header helper inlined there ("" none) */
	const char *file;
	uint32_t line;
	uint32_t bit_off; /* from the start of type */
	uint32_t bits;	  /* the member's size in bits (0: flexible array) */
	uint32_t flags;	  /* KBTF_ACC_* */
};

struct kbtf_access {
	struct kbtf_access_rec *recs; /* sorted by type, path, file, line */
	size_t nr;
	size_t nr_units; /* objects that contributed a blob */
	char *strs;	 /* owns every string */
};

/* Parse one section: one or more blobs, 4-byte zero padding between. */
int kbtf_access_parse(const void *data, size_t size, struct kbtf_access **out);
/* The module's record: .kbtf.access, else the objects' .note.kbtf.access;
 * -ENOENT (with a message) when it has neither. */
int kbtf_access_load(const struct kbtf_module *m, struct kbtf_access **out);
/* One merged blob: records and strings deduplicated, in @endian. */
int kbtf_access_write(const struct kbtf_access *a, enum kbtf_endian endian, struct kbtf_buf *out);
void kbtf_access_free(struct kbtf_access *a);
/* "reads", "writes", "reads and writes", "takes the address of", ... */
const char *kbtf_access_how(uint32_t flags);

#endif
