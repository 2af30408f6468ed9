package dev.lb.core.balance;

/**
 * One period of nginx's smooth weighted round-robin as an array of server indexes: weights
 * 5,1,1 give {@code 0,0,1,0,2,0,0}, not {@code 0,0,0,0,0,1,2}, so a heavy server does not get
 * bursts. Computed once per table, so that choosing is an array read plus a counter increment.
 */
final class SmoothWeightedSequence {

    /**
     * Longest period kept. Weights are scaled down proportionally above it (each stays at least
     * 1): HAProxy weights go to 256, and a few hundred heavy servers would otherwise make an
     * array nobody needs to be exact to the last request.
     */
    static final int MAX_PERIOD = 4096;

    private SmoothWeightedSequence() {
    }

    static int[] of(int[] weights) {
        int n = weights.length;
        if (n == 0) {
            return new int[0];
        }
        boolean uniform = true;
        long sum = 0;
        for (int w : weights) {
            uniform &= w == weights[0];
            sum += w;
        }
        if (uniform) {
            // Equal weights: plain rotation, and no O(period x n) simulation for huge pools.
            int[] seq = new int[n];
            for (int i = 0; i < n; i++) {
                seq[i] = i;
            }
            return seq;
        }
        int[] w = weights.clone();
        if (sum > MAX_PERIOD) {
            double scale = (double) MAX_PERIOD / sum;
            sum = 0;
            for (int i = 0; i < n; i++) {
                w[i] = (int) Math.max(1, Math.round(weights[i] * scale));
                sum += w[i];
            }
        }
        int period = (int) sum;
        int[] seq = new int[period];
        long[] current = new long[n];
        for (int step = 0; step < period; step++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += w[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= period;
            seq[step] = best;
        }
        return seq;
    }
}
