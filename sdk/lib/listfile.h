/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel list files ("@file" in a kernel set or a fetch spec): one item a
 * line, '#' starts a comment, blank lines ignored, relative "@file" items
 * resolved beside the file that names them.
 */
#ifndef KBTF_LISTFILE_H
#define KBTF_LISTFILE_H

/*
 * Called for each item: @where is "path:line" for messages, @dir the list
 * file's directory (for nested "@file" items), @depth one more than the
 * caller's. A nonzero return stops the walk and is passed back.
 */
typedef int (*kbtf_list_item_fn)(void *ctx, const char *item, const char *where, const char *dir,
				 int depth);

/*
 * Read @file (relative to @dir when not absolute) and hand each item to
 * @fn. Fails with -ELOOP when @depth exceeds @max_depth.
 */
int kbtf_list_file_walk(const char *file, const char *dir, int depth, int max_depth,
			kbtf_list_item_fn fn, void *ctx);

#endif
