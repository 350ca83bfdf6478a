package org.speclab.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How products are cut into pieces for the worker pool (CpuTransformer.chunkRows). */
class ChunkRowsTest {
    private static int pieces(int total, int chunk) { return (total + chunk - 1) / chunk; }

    @Test
    void piecesAreWholeUnitsAndVerifyPassesTakeFewerThanDecodeOrPrefill() {
        for (int total : new int[] {1024, 2816, 32000, 256, 48}) {
            for (int unit : new int[] {16, 32, 256}) {
                for (int T : new int[] {1, 2, 5, 9, 31, 32, 64}) {
                    int chunk = CpuTransformer.chunkRows(total, 2, unit, T);
                    assertEquals(0, chunk % unit, total + " rows, unit " + unit + ", T " + T);
                    assertTrue(chunk >= unit);
                    assertEquals(total, CpuTransformer.chunkRows(total, 1, unit, T), "one thread: one piece");
                }
            }
        }
        // 2,816 rows in units of 16 on two threads: 16 pieces for a decode step and for prefill, 8 for a verify pass
        assertEquals(16, pieces(2816, CpuTransformer.chunkRows(2816, 2, 16, 1)));
        assertEquals(16, pieces(2816, CpuTransformer.chunkRows(2816, 2, 16, 64)));
        assertEquals(8, pieces(2816, CpuTransformer.chunkRows(2816, 2, 16, 9)));
        assertEquals(8, pieces(2816, CpuTransformer.chunkRows(2816, 2, 16, 5)));
        assertEquals(16, pieces(2816, CpuTransformer.chunkRows(2816, 2, 16, CpuTransformer.PARALLEL_POSITIONS)));
    }
}
