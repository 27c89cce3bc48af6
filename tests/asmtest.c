/*
 * asmtest.c - see asmtest.h.
 */
#include "asmtest.h"
#include "scratch.h"

#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"

bool asm_text_opts(const char *name, const char *src, const struct asm_options *opt, struct asm_result *res)
{
    return asm_assemble_source(name, src, strlen(src), opt, res);
}

bool asm_text(const char *src, struct asm_result *res) { return asm_text_opts("t.s", src, NULL, res); }

bool asm_file_image(const char *path, struct elf_image *img)
{
    struct asm_result res;
    char err[300];
    bool ok = asm_assemble_file(path, NULL, &res);
    if (!ok)
        fprintf(stderr, "\n%s", res.diag);
    ok = ok && elf_read_mem(res.elf, res.elf_len, img, err, sizeof err);
    asm_result_free(&res);
    return ok;
}

bool image_bytes(const struct elf_image *img, uint32_t addr, uint8_t *out, size_t n)
{
    memset(out, 0, n);
    for (size_t k = 0; k < n; k++) {
        uint64_t a = (uint64_t)addr + k;
        for (size_t i = 0; i < img->nsegs; i++) {
            const struct elf_segment *s = &img->segs[i];
            if (a >= s->paddr && a < (uint64_t)s->paddr + s->filesz)
                out[k] = img->file[s->offset + (a - s->paddr)];
        }
    }
    return true;
}

bool asm_bytes(const char *src, uint32_t addr, uint8_t *out, size_t n)
{
    struct asm_result r;
    struct elf_image img;
    char err[200];
    bool ok = asm_text(src, &r);
    if (!ok)
        fprintf(stderr, "\nunexpected errors assembling:\n%s\n%s", src, r.diag);
    CU_ASSERT(ok);
    if (ok) {
        ok = elf_read_mem(r.elf, r.elf_len, &img, err, sizeof err);
        CU_ASSERT(ok);
        if (ok) {
            image_bytes(&img, addr, out, n);
            elf_free(&img);
        }
    }
    asm_result_free(&r);
    return ok;
}

bool asm_words(const char *src, uint32_t addr, uint32_t *out, size_t n)
{
    uint8_t *b = calloc(n ? n * 4 : 1, 1);
    bool ok = asm_bytes(src, addr, b, n * 4);
    for (size_t i = 0; i < n; i++)
        out[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
                 (uint32_t)b[4 * i + 3] << 24;
    free(b);
    return ok;
}

void check_words_at(const char *src, uint32_t addr, const uint32_t *want, size_t n, int line)
{
    uint32_t *got = calloc(n, sizeof *got);
    if (asm_words(src, addr, got, n))
        for (size_t i = 0; i < n; i++) {
            CU_ASSERT_EQUAL(got[i], want[i]);
            if (got[i] != want[i])
                fprintf(stderr, "\n(line %d) word %zu at 0x%08zx: got 0x%08x, want 0x%08x, source:\n%s\n", line, i,
                        (size_t)addr + 4 * i, got[i], want[i], src);
        }
    free(got);
}

void check_diag_at(const char *name, const char *src, const struct asm_options *opt, const char *want, int line)
{
    struct asm_result r;
    bool ok = asm_text_opts(name, src, opt, &r);
    CU_ASSERT_FALSE(ok);
    CU_ASSERT_PTR_NULL(r.elf);
    CU_ASSERT_PTR_NOT_NULL(r.diag);
    if (r.diag) {
        CU_ASSERT_STRING_EQUAL(r.diag, want);
        if (strcmp(r.diag, want) != 0)
            fprintf(stderr, "\n(line %d) diagnostics differ.\n--- got:\n%s--- want:\n%s---\n", line, r.diag, want);
    }
    asm_result_free(&r);
}

uint32_t ins(enum op op, unsigned ra, unsigned rb, unsigned rc, int32_t imm)
{
    struct isa_fields f = {.op = op, .ra = (uint8_t)ra, .rb = (uint8_t)rb, .rc = (uint8_t)rc, .imm = imm};
    return isa_encode(&f);
}

char *tmpdir_make(void)
{
    char *dir = scratch_dir("asm");
    if (!dir)
        CU_FAIL("cannot make a temporary directory");
    return dir;
}

char *tmp_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *tmp_write(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = tmp_path(dir, name);
    char *slash = strrchr(p, '/');
    /* make the directories on the way */
    for (char *q = p + strlen(dir) + 1; q < slash; q++)
        if (*q == '/') {
            *q = '\0';
            mkdir(p, 0777);
            *q = '/';
        }
    if (slash > p + strlen(dir)) {
        *slash = '\0';
        mkdir(p, 0777);
        *slash = '/';
    }
    char err[200];
    CU_ASSERT(file_write_atomic(p, data, len, err, sizeof err));
    return p;
}

char *tmp_text(const char *dir, const char *name, const char *text)
{
    return tmp_write(dir, name, text, strlen(text));
}

char *read_text(const char *path)
{
    uint8_t *buf;
    size_t len;
    char err[200];
    if (!file_read(path, &buf, &len, err, sizeof err))
        return NULL;
    char *s = malloc(len + 1);
    memcpy(s, buf, len);
    s[len] = '\0';
    free(buf);
    return s;
}

char *tool_path(const char *name)
{
    const char *dir = getenv("VMLAB_BIN");
    char *p = tmp_path(dir && *dir ? dir : "build/san/bin", name);
    if (access(p, X_OK) != 0)
        fprintf(stderr, "\n%s: not found or not executable (set VMLAB_BIN to the tools' directory)\n", p);
    return p;
}

char *tool(const char *name)
{
    char *p = tool_path(name);
    if (access(p, X_OK) != 0) {
        CU_FAIL("tool not found");
        free(p);
        return NULL;
    }
    return p;
}

static char *slurp_fd(int fd)
{
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, s + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (cap - len < 2)
            s = realloc(s, cap *= 2);
    }
    s[len] = '\0';
    return s;
}

int run_cmd(char *const argv[], bool search, char **out, char **err)
{
    char outp[] = "/tmp/vmlab-out-XXXXXX", errp[] = "/tmp/vmlab-err-XXXXXX";
    int ofd = mkstemp(outp), efd = mkstemp(errp);
    if (ofd < 0 || efd < 0)
        return 127;
    unlink(outp);
    unlink(errp);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(ofd, 1);
        dup2(efd, 2);
        if (search)
            execvp(argv[0], argv);
        else
            execv(argv[0], argv);
        _exit(127);
    }
    int status = -1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    if (out)
        *out = slurp_fd(ofd);
    if (err)
        *err = slurp_fd(efd);
    close(ofd);
    close(efd);
    if (pid < 0)
        return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
