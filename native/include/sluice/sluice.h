/*
 * Sluice — the C ABI between the Java library and the native core.
 *
 * Rules: plain C, opaque handles, every call returns an sl_status (or is a plain getter that cannot
 * fail), and sl_last_error() explains the last failure on the calling thread. No C++ exception,
 * abort() or exit() crosses this boundary. Inputs come validated from Java; native re-checks the
 * cheap invariants (offsets and sizes within the file, shapes consistent with the hyperparameters).
 */
#ifndef SLUICE_SLUICE_H
#define SLUICE_SLUICE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SL_API __attribute__((visibility("default")))

/* ---- Status and errors ------------------------------------------------------------------- */

typedef enum sl_status {
    SL_OK = 0,
    SL_ERR_INVALID_ARGUMENT = 1, /* a caller bug: null pointer, index out of range, bad enum */
    SL_ERR_IO = 2,               /* the model file could not be opened, mapped or read */
    SL_ERR_FORMAT = 3,           /* the model description or file contents are inconsistent */
    SL_ERR_UNSUPPORTED = 4,      /* valid, but not supported by this build or backend */
    SL_ERR_OUT_OF_MEMORY = 5,    /* host or device memory exhausted */
    SL_ERR_CONTEXT_FULL = 6,     /* the KV cache has no room for the tokens */
    SL_ERR_BACKEND = 7,          /* the device or its driver failed (CUDA error, NVMe status) */
    SL_ERR_CANCELLED = 8,
    SL_ERR_INTERNAL = 9          /* a bug in Sluice */
} sl_status;

/* The message of the last failed call on this thread; "" if none. Valid until the next call. */
SL_API const char* sl_last_error(void);
/* A short constant name for a status, such as "SL_ERR_IO". */
SL_API const char* sl_status_name(sl_status status);
/* The library version, such as "0.1.0". */
SL_API const char* sl_version(void);

/* ---- Tensor types (ggml's ids, block layouts bit-exact with ggml) ------------------------ */

typedef enum sl_type {
    SL_TYPE_F32 = 0,
    SL_TYPE_F16 = 1,
    SL_TYPE_Q4_0 = 2,
    SL_TYPE_Q4_1 = 3,
    SL_TYPE_Q5_0 = 6,
    SL_TYPE_Q5_1 = 7,
    SL_TYPE_Q8_0 = 8,
    SL_TYPE_Q8_1 = 9,  /* activations only */
    SL_TYPE_Q2_K = 10,
    SL_TYPE_Q3_K = 11,
    SL_TYPE_Q4_K = 12,
    SL_TYPE_Q5_K = 13,
    SL_TYPE_Q6_K = 14,
    SL_TYPE_Q8_K = 15, /* activations only */
    SL_TYPE_BF16 = 30
} sl_type;

/* ---- Backends and devices ---------------------------------------------------------------- */

typedef enum sl_backend {
    SL_BACKEND_CPU = 0,
    SL_BACKEND_CUDA = 1
} sl_backend;

typedef struct sl_device_info {
    int32_t backend;        /* sl_backend */
    int32_t ordinal;        /* index within its backend */
    char name[128];
    int32_t compute_major;  /* CUDA compute capability; 0 for the CPU */
    int32_t compute_minor;
    uint64_t total_memory;  /* bytes: VRAM for CUDA, physical RAM for the CPU */
    uint64_t free_memory;   /* bytes: free VRAM, or available RAM */
    int32_t cores;          /* CPU: physical cores (the default thread count); CUDA: streaming multiprocessors */
    int32_t features;       /* CPU: SL_CPU_* bits; 0 for CUDA */
} sl_device_info;

enum {
    SL_CPU_AVX2 = 1 << 0,
    SL_CPU_FMA = 1 << 1,
    SL_CPU_F16C = 1 << 2,
    SL_CPU_AVX512F = 1 << 3
};

/* Number of devices: the CPU (always index 0) plus every usable CUDA device. */
SL_API sl_status sl_device_count(int32_t* count);
SL_API sl_status sl_device_get(int32_t index, sl_device_info* info);
/* Why the CUDA backend cannot run here (no driver, no device, built without CUDA), or NULL if it can. */
SL_API const char* sl_cuda_unavailable_reason(void);

/* ---- Models -------------------------------------------------------------------------------- */

typedef struct sl_model sl_model;
typedef struct sl_session sl_session;

typedef struct sl_hparams {
    int32_t n_vocab;
    int32_t n_ctx_train;
    int32_t n_embd;
    int32_t n_layer;
    int32_t n_head;
    int32_t n_head_kv;
    int32_t n_ff;
    int32_t head_dim;        /* n_embd / n_head for Llama */
    int32_t n_rot;           /* rotated dimensions per head */
    float rope_freq_base;
    float rope_freq_scale;   /* linear rope scaling: 1 / factor; 1 = none */
    float rms_eps;
    int32_t tied_output;     /* 1: the output projection reuses token_embd */
} sl_hparams;

typedef enum sl_tensor_role {
    SL_ROLE_TOKEN_EMBD = 0,
    SL_ROLE_OUTPUT_NORM = 1,
    SL_ROLE_OUTPUT = 2,
    SL_ROLE_ROPE_FREQS = 3,
    SL_ROLE_ATTN_NORM = 4,
    SL_ROLE_ATTN_Q = 5,
    SL_ROLE_ATTN_K = 6,
    SL_ROLE_ATTN_V = 7,
    SL_ROLE_ATTN_OUTPUT = 8,
    SL_ROLE_FFN_NORM = 9,
    SL_ROLE_FFN_GATE = 10,
    SL_ROLE_FFN_UP = 11,
    SL_ROLE_FFN_DOWN = 12
} sl_tensor_role;

typedef struct sl_tensor_desc {
    int32_t role;     /* sl_tensor_role */
    int32_t layer;    /* block index, or -1 for whole-model tensors */
    int32_t type;     /* sl_type */
    int32_t n_dims;
    int64_t ne[4];    /* ggml order: ne[0] is the contiguous (row) dimension */
    uint64_t offset;  /* absolute byte offset of the data in the file */
    uint64_t size;    /* bytes */
} sl_tensor_desc;

/* Where a layer's weights live while the model runs. */
typedef enum sl_tier {
    SL_TIER_RESIDENT = 0, /* A: in the backend's memory (VRAM; for the CPU backend, the mapped file) */
    SL_TIER_PINNED = 1,   /* B: pinned host RAM, streamed to the GPU per token */
    SL_TIER_STORAGE = 2   /* C: read from storage per token */
} sl_tier;

/* How layers of tier C travel from storage to pinned staging. */
typedef enum sl_stream_path {
    SL_STREAM_AUTO = 0,  /* io_uring where the kernel allows it, else pread with O_DIRECT */
    SL_STREAM_MMAP = 1,  /* copied out of the file's mapping (the page cache): the baseline */
    SL_STREAM_PREAD = 2, /* pread with O_DIRECT into aligned pinned staging, several threads */
    SL_STREAM_URING = 3, /* io_uring with registered buffers and a deep queue */
    SL_STREAM_NVME = 4   /* the userspace NVMe driver (nvme_bdf must be set) */
} sl_stream_path;

typedef struct sl_model_params {
    const char* path;          /* the GGUF file */
    int32_t backend;           /* sl_backend */
    int32_t device;            /* ordinal within the backend */
    int32_t n_threads;         /* CPU threads; 0 = one per physical core */
    const int32_t* layer_tier; /* n_layer entries (sl_tier), or NULL: every layer resident. Streamed
                                  layers (B, C) keep their norms resident; the CPU backend runs them
                                  through the same pipeline, copying into host memory */
    int32_t activation_q8;     /* 1: quantize activations to 8 bits inside quantized matmuls (faster,
                                  as llama.cpp does); 0: float activations (exact) */
    /* Where the weight bytes come from. nvme_bdf NULL: the mapped file at path. Otherwise the PCI
     * address ("0000:01:00.0") of an NVMe controller bound to vfio-pci whose namespace 1 holds this
     * very file behind a Sluice header at block nvme_lba (put there by `sluice nvme write`); the
     * file at path still supplies the size and the header check, the drive supplies the weights. */
    const char* nvme_bdf;
    uint64_t nvme_lba;
    int32_t nvme_iommu;             /* sl_nvme_iommu; SL_NVME_NO_IOMMU also needs the window below */
    uint64_t nvme_dma_window_phys;  /* no-IOMMU only: physical memory reserved at boot (memmap=) */
    uint64_t nvme_dma_window_bytes;
    /* When not NULL, counts the bytes of resident weights loaded so far (placed in VRAM on CUDA),
     * stored atomically during sl_model_load: another thread may read it to show progress. */
    uint64_t* load_progress;
    /* Streaming (layers of tiers B and C; ignored when every layer is resident). */
    int32_t stream_path;   /* sl_stream_path, for tier C */
    int32_t stream_slots;  /* device slots in the ring that streamed layers pass through; 0: 2 */
    /* Split layers: n_layer entries, or NULL. For a layer of tier B, the share (0 to 0.95) of the rows of
     * each of its matmuls that the CPU computes from the layer's pinned copy while the GPU computes the
     * rest from the streamed part, for single-token decodes (batches stream the whole layer); 0: none. */
    const float* layer_cpu_share;
    int32_t split_threads; /* CPU threads of the split share; 0: one per physical core */
} sl_model_params;

/* Checks hparams and the tensor table against the file at params->path (offsets and sizes inside
 * the file, shapes, types, every required tensor present once; norms and rope_freqs must be F32;
 * output must be absent exactly when tied_output is 1). The tensor array is only read during the
 * call. From a file, weights are read in place from its mapping. From an NVMe drive, the drive's
 * Sluice header must match the file (same size, same hash of the GGUF header and tensor table;
 * SL_ERR_FORMAT otherwise), then every resident tensor is read through the userspace driver, many
 * commands in flight, into one host buffer; the controller is shut down (CC.SHN) by sl_model_free,
 * or at once when the load fails. */
SL_API sl_status sl_model_load(const sl_model_params* params, const sl_hparams* hparams,
                               const sl_tensor_desc* tensors, int32_t n_tensors, sl_model** model);
SL_API void sl_model_free(sl_model* model);
/* Bytes of backend memory the model and its sessions hold now: on CUDA the VRAM of weights, KV
 * caches and scratch; on the CPU the host memory of caches and scratch (weights stay mapped). */
SL_API uint64_t sl_model_memory_in_use(const sl_model* model);
/* Bytes of streamed layers (tiers B and C) copied to the device so far: a layer counts each time it
 * crosses PCIe, prefetches for the next pass included. 0 when every layer is resident. */
SL_API uint64_t sl_model_streamed_bytes(const sl_model* model);
/* Where the split layers' single-token passes spent their time so far: weight bytes the CPU's shares
 * read, seconds the CPU spent on them, and seconds the host waited for the device's activations
 * before it could start. All 0 when no layer is split. Any pointer may be NULL. */
SL_API void sl_model_split_time(const sl_model* model, uint64_t* cpu_bytes, double* cpu_seconds,
                                double* wait_seconds);

/* ---- Sessions (one KV cache each) ---------------------------------------------------------- */

/* A session holds a KV cache of n_ctx positions (F32 on the CPU, F16 on CUDA). Sessions of one model may be used from
 * different threads; their decodes take turns. Free every session before its model. */
SL_API sl_status sl_session_create(sl_model* model, int32_t n_ctx, sl_session** session);
SL_API void sl_session_free(sl_session* session);
/* Appends n_tokens at the current position and runs them as one batch. logits receives n_vocab
 * floats for the last token, or n_tokens * n_vocab (row per token) when all_logits is 1; with
 * logits NULL the tokens only fill the KV cache. SL_ERR_CONTEXT_FULL when the tokens do not fit
 * in the n_ctx positions; on any failure the session is unchanged. */
SL_API sl_status sl_session_decode(sl_session* session, const int32_t* tokens, int32_t n_tokens,
                                   float* logits, int32_t all_logits);
/* The largest k of sl_session_decode_top_k. */
#define SL_MAX_TOP_K 256
/* As sl_session_decode, but hands back only the k (1..SL_MAX_TOP_K) largest logits of the last
 * token, descending (ties: lower id first), as ids and values: k numbers cross from the device
 * instead of n_vocab. */
SL_API sl_status sl_session_decode_top_k(sl_session* session, const int32_t* tokens, int32_t n_tokens, int32_t k,
                                         int32_t* ids, float* logits);
/* Tokens held in the KV cache. */
SL_API int32_t sl_session_position(const sl_session* session);
/* Forgets every position >= n_past (0 clears the cache); n_past must be at most the position. */
SL_API sl_status sl_session_truncate(sl_session* session, int32_t n_past);

/* ---- Quantization (used by `sluice synth` and the tests) ---------------------------------- */

/* Bytes that n elements of a type occupy; n must be a multiple of the type's block size. */
SL_API sl_status sl_type_size(int32_t type, int64_t n, uint64_t* bytes);
/* Quantizes n floats into dst (dst_size bytes) in the given type. */
SL_API sl_status sl_quantize(int32_t type, const float* src, int64_t n, void* dst, uint64_t dst_size);

/* ---- Measurements (reported by `sluice bench` as the rooflines results are judged against) ---- */

/* Host memory read bandwidth in bytes/s: best of a few passes over `bytes` with n_threads threads
 * (0 = one per physical core). */
SL_API sl_status sl_measure_host_bandwidth(uint64_t bytes, int32_t n_threads, double* bytes_per_second);
/* Weight bytes/s that the CPU backend's 8-bit decode kernels (the split layers' CPU share) stream from
 * RAM: best of a few single-token matmuls over `bytes` of `type` weights with n_threads threads (0 = one
 * per physical core). SL_ERR_INVALID_ARGUMENT for F32 or a type that is not a weight type. */
SL_API sl_status sl_measure_cpu_matmul_bandwidth(int32_t type, uint64_t bytes, int32_t n_threads,
                                                 double* bytes_per_second);
/* Device memory bandwidth of CUDA device `device` (ordinal) in bytes/s, counting bytes read plus bytes
 * written: best of a few device-to-device copies of `bytes`. SL_ERR_UNSUPPORTED without a GPU. */
SL_API sl_status sl_measure_device_bandwidth(int32_t device, uint64_t bytes, double* bytes_per_second);
/* Pinned host memory to CUDA device `device` in bytes/s (PCIe, what bounds streamed layers): best of a few
 * copies of `bytes`. SL_ERR_UNSUPPORTED without a GPU. */
SL_API sl_status sl_measure_host_to_device_bandwidth(int32_t device, uint64_t bytes, double* bytes_per_second);
/* Greedy decoding of n_tokens tokens after `token`, each fed back natively (device argmax, no host
 * sampling): the native decode time that the Java generate loop is compared with. */
SL_API sl_status sl_session_bench_decode(sl_session* session, int32_t token, int32_t n_tokens, double* seconds);

/* ---- NVMe (userspace driver) ------------------------------------------------------------ */

/* A controller bound to vfio-pci, driven from userspace; the kernel and the page cache are out of
 * the data path. Reads are synchronous here (the streaming pipeline uses the native tier reader
 * with many reads in flight); each one is still spread over all queues as many commands. */
typedef struct sl_nvme sl_nvme;

typedef enum sl_nvme_iommu {
    SL_NVME_IOMMU = 0,    /* VFIO type-1 IOMMU: the drive reaches only registered memory */
    SL_NVME_NO_IOMMU = 1  /* UNSAFE: vfio no-IOMMU mode; only when the user asks; warns loudly */
} sl_nvme_iommu;

typedef struct sl_nvme_options {
    int32_t iommu;             /* sl_nvme_iommu */
    int32_t n_queues;          /* I/O queue pairs wanted (the controller may grant fewer) */
    int32_t queue_depth;       /* entries per queue, at least 2 (capped by CAP.MQES) */
    uint32_t namespace_id;     /* usually 1 */
    uint32_t timeout_ms;       /* per command; a timeout leaves the handle unusable: close it */
    int32_t bounce_buffers;    /* buffers for unaligned edges (all reads, without an IOMMU) */
    uint64_t dma_window_phys;  /* no-IOMMU only: physical memory reserved at boot (memmap=SIZE$ADDR) */
    uint64_t dma_window_bytes; /*   that the drive may DMA into; no /proc/self/pagemap lookups */
} sl_nvme_options;

typedef struct sl_nvme_info {
    char bdf[16];
    uint16_t vendor_id;
    uint16_t subsystem_vendor_id;
    uint32_t version;             /* NVMe version register: major << 16 | minor << 8 */
    char serial[24];
    char model[48];
    char firmware[16];
    uint32_t namespace_id;
    uint32_t block_size;          /* bytes per logical block */
    uint32_t metadata_size;       /* metadata bytes per block (separate buffer, never read) */
    uint64_t blocks;              /* namespace size in blocks (NSZE) */
    uint64_t max_transfer_bytes;  /* from MDTS; 0 = the controller sets no limit */
    uint64_t transfer_bytes;      /* bytes per read command as Sluice issues them */
    int32_t n_queues;             /* I/O queue pairs granted */
    int32_t queue_depth;
    int32_t iommu;                /* sl_nvme_iommu */
    uint64_t readable_bytes;      /* the namespace, or the model once one is attached */
} sl_nvme_info;

/* The Sluice header written before a model on the drive (layout: native/src/io/nvme/model_header.h). */
typedef struct sl_nvme_model_header {
    uint32_t version;
    uint32_t data_offset;  /* bytes from the header to the model's first byte */
    uint64_t model_size;   /* bytes of the GGUF file */
    uint64_t prefix_size;  /* bytes of GGUF header + metadata + tensor table that prefix_hash covers */
    uint64_t prefix_hash;
} sl_nvme_model_header;

SL_API void sl_nvme_options_init(sl_nvme_options* options);
/* Newline-separated PCI addresses of NVMe controllers bound to vfio-pci; *count of them. */
SL_API sl_status sl_nvme_list(char* out, uint64_t capacity, int32_t* count);
/* The header a GGUF file gets on a drive of block_size-byte blocks (what verify compares against). */
SL_API sl_status sl_nvme_header_for_file(const char* gguf_path, uint32_t block_size, sl_nvme_model_header* header);
/* Writes the header and the model at block lba of target: a block device still bound to the
 * kernel's nvme driver, or a disk image file (512-byte blocks). bytes_done, when not NULL, counts
 * the model bytes written so far, stored atomically: another thread may read it to show progress. */
SL_API sl_status sl_nvme_write_model(const char* target, const char* gguf_path, uint64_t lba,
                                     sl_nvme_model_header* written, uint64_t* bytes_done);

/* Brings the controller up (bdf such as "0000:01:00.0"); options NULL means defaults. */
SL_API sl_status sl_nvme_open(const char* bdf, const sl_nvme_options* options, sl_nvme** nvme);
SL_API sl_status sl_nvme_get_info(const sl_nvme* nvme, sl_nvme_info* info);
/* Reads the Sluice header at block lba (only before a model is attached). */
SL_API sl_status sl_nvme_read_header(sl_nvme* nvme, uint64_t lba, sl_nvme_model_header* header);
/* Checks the header at lba against expected (SL_ERR_FORMAT on a mismatch); from then on offsets of
 * sl_nvme_read are model bytes. */
SL_API sl_status sl_nvme_attach_model(sl_nvme* nvme, uint64_t lba, const sl_nvme_model_header* expected);
/* Maps a destination buffer for DMA, so aligned reads into it need no copy. */
SL_API sl_status sl_nvme_register_buffer(sl_nvme* nvme, void* base, uint64_t bytes);
SL_API sl_status sl_nvme_unregister_buffer(sl_nvme* nvme, void* base);
/* Reads length bytes at offset (namespace bytes, or model bytes once attached) into dst. */
SL_API sl_status sl_nvme_read(sl_nvme* nvme, uint64_t offset, uint64_t length, void* dst);
/* Shuts the controller down (CC.SHN) so the kernel can take it back, and frees the handle. */
SL_API sl_status sl_nvme_close(sl_nvme* nvme);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_SLUICE_H */
