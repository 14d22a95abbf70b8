/*
 * persist_files — issue 4, acceptance check 3: writes the files whose
 * survival across a power-off the QEMU tests check.
 *
 *   persist_files DIR COUNT
 *
 * Creates DIR/f1000, DIR/f1001, ... (COUNT files, at most 1000) of mixed
 * sizes from 0 B to 8 MiB, each with its own pseudo-random contents. Sizes
 * sit on ext2's boundaries (a block, the 12 direct blocks, the single- and
 * double-indirect ranges). Some files are sparse: a few data blocks at
 * scattered offsets (before, inside and past the indirect ranges) with
 * holes between and after them. Prints one line per file:
 *   file NAME SIZE dense|sparse
 * then "persist_files: COUNT files, BYTES bytes written" and exits 0; on
 * any error it says which and exits 1. Checksums, links and the rest are
 * the business of the shell script that runs it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 4096L
/* ext2 with 4 KiB blocks: 12 direct blocks, then 1024 through the single
 * indirect block, then the double-indirect range. */
#define DIRECT_END (12 * BLOCK)
#define SINGLE_END ((12 + 1024) * BLOCK)

struct kind {
	long size;
	int sparse;
};

/* File I's size and layout. The big sizes are dense only for the first
 * two files of their kind, to bound the data written. */
static struct kind kind_of(int i)
{
	static const long sizes[] = {
		0, 1, 511, BLOCK - 1, BLOCK, BLOCK + 1,
		DIRECT_END, DIRECT_END + 1, SINGLE_END, SINGLE_END + 1, 8L << 20,
	};
	int k = i % 25;
	if (k < (int)(sizeof sizes / sizeof sizes[0])) {
		long size = sizes[k];
		return (struct kind){ size, size >= DIRECT_END && i >= 50 };
	}
	/* Others: up to ~300 KB, every seventh one sparse. */
	long size = (long)((unsigned)i * 7919u % 300000u);
	return (struct kind){ size, i % 7 == 0 && size > 2 * BLOCK };
}

/* xorshift64*: contents that differ per file and per block. */
static uint64_t next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static char buf[1 << 16];

static void fill(uint64_t *state, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = next(state);
		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

static int write_at(int fd, const char *name, long off, long len, uint64_t *state)
{
	while (len > 0) {
		size_t n = len < (long)sizeof buf ? (size_t)len : sizeof buf;
		fill(state, n);
		ssize_t w = pwrite(fd, buf, n, off);
		if (w < 0) {
			fprintf(stderr, "persist_files: %s: pwrite at %ld: %s\n", name, off, strerror(errno));
			return -1;
		}
		off += w;
		len -= w;
	}
	return 0;
}

/* Data blocks of a sparse file of SIZE: block 1 (block 0 stays a hole),
 * the first single-indirect block, the first double-indirect block, and
 * the file's last 100 bytes; each only if it lies inside the file. */
static int write_sparse(int fd, const char *name, long size, uint64_t *state, long *data)
{
	const long at[] = { BLOCK, DIRECT_END, SINGLE_END };
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		long len = size - at[k] < BLOCK ? size - at[k] : BLOCK;
		if (len <= 0)
			continue;
		if (write_at(fd, name, at[k], len, state))
			return -1;
		*data += len;
	}
	long tail = size < 100 ? size : 100;
	if (write_at(fd, name, size - tail, tail, state))
		return -1;
	*data += tail;
	/* The hole after the last data extends the file to SIZE if the tail
	 * write did not already. */
	if (ftruncate(fd, size)) {
		fprintf(stderr, "persist_files: %s: ftruncate: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: persist_files DIR COUNT\n");
		return 1;
	}
	char *end;
	long count = strtol(argv[2], &end, 10);
	if (*end || count < 0 || count > 1000) {
		fprintf(stderr, "persist_files: bad COUNT %s\n", argv[2]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	long data = 0;
	for (int i = 0; i < count; i++) {
		char path[4096], name[16];
		snprintf(name, sizeof name, "f%d", 1000 + i);
		if (snprintf(path, sizeof path, "%s/%s", argv[1], name) >= (int)sizeof path) {
			fprintf(stderr, "persist_files: DIR too long\n");
			return 1;
		}
		struct kind k = kind_of(i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			fprintf(stderr, "persist_files: %s: %s\n", path, strerror(errno));
			return 1;
		}
		uint64_t state = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
		int err;
		if (k.sparse) {
			err = write_sparse(fd, name, k.size, &state, &data);
		} else {
			err = write_at(fd, name, 0, k.size, &state);
			data += k.size;
		}
		if (close(fd) && !err) {
			fprintf(stderr, "persist_files: %s: close: %s\n", path, strerror(errno));
			err = -1;
		}
		if (err)
			return 1;
		printf("file %s %ld %s\n", name, k.size, k.sparse ? "sparse" : "dense");
	}
	printf("persist_files: %ld files, %ld bytes written\n", count, data);
	return 0;
}
