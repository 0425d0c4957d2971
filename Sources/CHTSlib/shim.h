// One static-inline wrapper per htslib macro that Swift cannot import (function-like macros,
// casted function pointers, variadic functions). No logic lives here: each shim is named
// chts_ + the htslib name it wraps. Minimum htslib: 1.16.
#ifndef CHTSLIB_SHIM_H
#define CHTSLIB_SHIM_H

#include <stdint.h>
#include <stdlib.h>
#include <htslib/hts.h>
#include <htslib/hts_log.h>
#include <htslib/vcf.h>
#include <htslib/tbx.h>
#include <htslib/faidx.h>
#include <htslib/kstring.h>
#include <htslib/bgzf.h>

static inline int chts_bcf_hdr_nsamples(const bcf_hdr_t *hdr) { return bcf_hdr_nsamples(hdr); }
static inline const char *chts_bcf_hdr_sample(const bcf_hdr_t *hdr, int i) { return hdr->samples[i]; }

static inline int chts_bcf_get_genotypes(const bcf_hdr_t *hdr, bcf1_t *rec, int32_t **dst, int *ndst) {
    return bcf_get_genotypes(hdr, rec, dst, ndst);
}
static inline int chts_bcf_get_format_int32(const bcf_hdr_t *hdr, bcf1_t *rec, const char *tag, int32_t **dst, int *ndst) {
    return bcf_get_format_int32(hdr, rec, tag, dst, ndst);
}
static inline int chts_bcf_get_format_float(const bcf_hdr_t *hdr, bcf1_t *rec, const char *tag, float **dst, int *ndst) {
    return bcf_get_format_float(hdr, rec, tag, dst, ndst);
}
static inline int chts_bcf_get_info_int32(const bcf_hdr_t *hdr, bcf1_t *rec, const char *tag, int32_t **dst, int *ndst) {
    return bcf_get_info_int32(hdr, rec, tag, dst, ndst);
}
static inline int chts_bcf_get_info_float(const bcf_hdr_t *hdr, bcf1_t *rec, const char *tag, float **dst, int *ndst) {
    return bcf_get_info_float(hdr, rec, tag, dst, ndst);
}
static inline int chts_bcf_get_info_string(const bcf_hdr_t *hdr, bcf1_t *rec, const char *tag, char **dst, int *ndst) {
    return bcf_get_info_string(hdr, rec, tag, dst, ndst);
}
static inline int chts_bcf_get_info_flag(const bcf_hdr_t *hdr, bcf1_t *rec, const char *tag) {
    return bcf_get_info_flag(hdr, rec, tag, NULL, NULL);
}

static inline int chts_bcf_hdr_id2length(const bcf_hdr_t *hdr, int type, int id) { return bcf_hdr_id2length(hdr, type, id); }
static inline int chts_bcf_hdr_id2number(const bcf_hdr_t *hdr, int type, int id) { return bcf_hdr_id2number(hdr, type, id); }
static inline int chts_bcf_hdr_id2type(const bcf_hdr_t *hdr, int type, int id) { return bcf_hdr_id2type(hdr, type, id); }
static inline int chts_bcf_hdr_idinfo_exists(const bcf_hdr_t *hdr, int type, int id) { return bcf_hdr_idinfo_exists(hdr, type, id); }
static inline int chts_bcf_hdr_n_id(const bcf_hdr_t *hdr) { return hdr->n[BCF_DT_ID]; }
static inline const char *chts_bcf_hdr_int2id(const bcf_hdr_t *hdr, int type, int id) { return bcf_hdr_int2id(hdr, type, id); }

static inline hts_idx_t *chts_bcf_index_load(const char *fn) { return bcf_index_load(fn); }
static inline const char **chts_bcf_index_seqnames(const hts_idx_t *idx, const bcf_hdr_t *hdr, int *n) {
    return bcf_index_seqnames(idx, hdr, n);
}
static inline hts_itr_t *chts_bcf_itr_querys(const hts_idx_t *idx, const bcf_hdr_t *hdr, const char *s) {
    return bcf_itr_querys(idx, hdr, s);
}
static inline hts_itr_t *chts_tbx_itr_querys(const tbx_t *tbx, const char *s) { return tbx_itr_querys(tbx, s); }
static inline int chts_tbx_itr_next(htsFile *fp, tbx_t *tbx, hts_itr_t *itr, kstring_t *s) {
    return tbx_itr_next(fp, tbx, itr, s);
}
static inline int chts_bcf_itr_next(htsFile *fp, hts_itr_t *itr, bcf1_t *rec) { return bcf_itr_next(fp, itr, rec); }
static inline void chts_hts_itr_destroy(hts_itr_t *itr) { hts_itr_destroy(itr); }

static inline void chts_hts_set_log_level(int level) { hts_set_log_level((enum htsLogLevel)level); }
static inline int chts_hts_get_format_category(htsFile *fp) { return (int)hts_get_format(fp)->category; }
static inline int chts_hts_get_format(htsFile *fp) { return (int)hts_get_format(fp)->format; }
static inline int chts_hts_get_compression(htsFile *fp) { return (int)hts_get_format(fp)->compression; }
static inline void chts_ks_free(kstring_t *s) { ks_free(s); }
static inline int64_t chts_bcf_rec_pos(const bcf1_t *rec) { return rec->pos; }
static inline int chts_bcf_rec_rid(const bcf1_t *rec) { return rec->rid; }
static inline int64_t chts_bcf_rec_rlen(const bcf1_t *rec) { return rec->rlen; }
static inline int chts_bcf_rec_errcode(const bcf1_t *rec) { return rec->errcode; }
static inline int chts_bcf_rec_n_allele(const bcf1_t *rec) { return rec->n_allele; }
static inline int chts_bcf_rec_n_sample(const bcf1_t *rec) { return rec->n_sample; }

#endif
