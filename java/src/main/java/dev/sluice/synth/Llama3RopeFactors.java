package dev.sluice.synth;

/**
 * The {@code rope_freqs} tensor of Llama 3.1-style rope scaling: per frequency, the divisor applied
 * to it. High frequencies (short wavelengths) are kept, low ones divided by {@code factor}, and the
 * band between is blended smoothly — Meta's published recipe (factor 8, low/high frequency factors 1
 * and 4, original context 8192).
 */
final class Llama3RopeFactors {
    static final float FACTOR = 8f;
    static final float LOW_FREQ_FACTOR = 1f;
    static final float HIGH_FREQ_FACTOR = 4f;
    static final int ORIGINAL_CONTEXT = 8192;

    private Llama3RopeFactors() {}

    static float[] compute(int headDim, float freqBase) {
        float[] divisors = new float[headDim / 2];
        double lowFreqWavelen = ORIGINAL_CONTEXT / LOW_FREQ_FACTOR;
        double highFreqWavelen = ORIGINAL_CONTEXT / HIGH_FREQ_FACTOR;
        for (int i = 0; i < divisors.length; i++) {
            double freq = Math.pow(freqBase, -2.0 * i / headDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highFreqWavelen) {
                divisors[i] = 1f;
            } else if (wavelen > lowFreqWavelen) {
                divisors[i] = FACTOR;
            } else {
                double smooth = (ORIGINAL_CONTEXT / wavelen - LOW_FREQ_FACTOR) / (HIGH_FREQ_FACTOR - LOW_FREQ_FACTOR);
                divisors[i] = (float) (1 / ((1 - smooth) / FACTOR + smooth));
            }
        }
        return divisors;
    }
}
