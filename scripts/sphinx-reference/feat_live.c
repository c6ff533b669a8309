/*
 * Reference for test/audio/sphinxFeatures.test.ts: runs sphinxbase's own live feature computation
 * (feat_s2mfc2feat_live: live CMN and 1s_c_d_dd) over cepstra, the way pocketsphinx's acmod does while
 * decoding, and writes the 39-dim rows as native float32 to stdout, then the final CMN mean (13 floats).
 *
 *   gcc -O1 -o feat_live feat_live.c $(pkg-config --cflags --libs sphinxbase)   # Debian: libsphinxbase-dev
 *   ./feat_live CEPSTRA BLOCK INIT_FRAMES LEN...
 *
 * CEPSTRA: native float32, 13 per frame. BLOCK: cepstra per feat_s2mfc2feat_live call. INIT_FRAMES: 0 sets
 * only the mean from the en-us -cmninit (what pocketsphinx's acmod does), 500 is cmn_live_set. LEN...: the
 * utterances' lengths in frames, processed one after another with the CMN state carried over.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>

static const float CMNINIT[13] = {41.00, -5.29, -0.12, 5.09, 2.48, -4.07, -1.37,
                                  -1.78, -5.08, -2.05, -6.45, -1.42, 1.17};

int main(int argc, char **argv)
{
    FILE *fh;
    long bytes;
    float *all;
    int block, init_frames, u, i, pos = 0;
    feat_t *fcb;
    mfcc_t ***out, **cep;

    if (argc < 4) {
        fprintf(stderr, "usage: %s CEPSTRA BLOCK INIT_FRAMES LEN...\n", argv[0]);
        return 2;
    }
    err_set_logfp(NULL);
    fh = fopen(argv[1], "rb");
    if (fh == NULL)
        return 1;
    fseek(fh, 0, SEEK_END);
    bytes = ftell(fh);
    fseek(fh, 0, SEEK_SET);
    all = malloc(bytes);
    if (fread(all, 1, bytes, fh) != (size_t)bytes)
        return 1;
    fclose(fh);
    block = atoi(argv[2]);
    init_frames = atoi(argv[3]);

    fcb = feat_init("1s_c_d_dd", CMN_LIVE, FALSE, AGC_NONE, FALSE, 13);
    for (i = 0; i < 13; i++) {
        fcb->cmn_struct->cmn_mean[i] = CMNINIT[i];
        fcb->cmn_struct->sum[i] = CMNINIT[i] * init_frames;
    }
    fcb->cmn_struct->nframe = init_frames;
    out = feat_array_alloc(fcb, LIVEBUFBLOCKSIZE);
    cep = (mfcc_t **)ckd_calloc_2d(block, 13, sizeof(mfcc_t));

    for (u = 4; u < argc; u++) {
        int len = atoi(argv[u]), done = 0, begin = TRUE, nfeat;
        int32 ncep;
        while (done < len) {
            int n = len - done < block ? len - done : block;
            for (i = 0; i < n * 13; i++)
                cep[0][i] = all[(pos + done) * 13 + i];
            ncep = n;
            nfeat = feat_s2mfc2feat_live(fcb, cep, &ncep, begin, FALSE, out);
            if (ncep != n)
                return 3;
            fwrite(out[0][0], sizeof(mfcc_t), nfeat * 39, stdout);
            done += n;
            begin = FALSE;
        }
        ncep = 0;
        nfeat = feat_s2mfc2feat_live(fcb, cep, &ncep, begin, TRUE, out);
        fwrite(out[0][0], sizeof(mfcc_t), nfeat * 39, stdout);
        pos += len;
    }
    fwrite(fcb->cmn_struct->cmn_mean, sizeof(mfcc_t), 13, stdout);
    return 0;
}
