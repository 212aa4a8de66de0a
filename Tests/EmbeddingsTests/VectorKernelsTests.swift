import Foundation
import Testing

@testable import Embeddings

/// The SIMD approximations behind GELU and softmax against libm.
@Suite struct VectorKernelsTests {
    @Test func erfAndExpAgreeWithLibm() {
        var worstErf: Float = 0
        var worstExp: Float = 0
        var x: Float = -6
        while x <= 6 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-3 })
            let erfs = VectorKernels.erf(lanes)
            for i in 0..<8 { worstErf = max(worstErf, abs(erfs[i] - Foundation.erf(lanes[i]))) }
            x += 0.01
        }
        x = -80
        while x <= 80 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-2 })
            let exps = VectorKernels.exp(lanes)
            for i in 0..<8 {
                worstExp = max(worstExp, abs(exps[i] - Foundation.exp(lanes[i])) / Foundation.exp(lanes[i]))
            }
            x += 0.1
        }
        #expect(worstErf < 1e-6)
        #expect(worstExp < 1e-6)
    }

    @Test func softmaxSumsToOne() {
        var row: [Float] = (0..<13).map { Float($0) * 0.7 - 3 }
        row.withUnsafeMutableBufferPointer { VectorKernels.softmax($0.baseAddress!, count: 13) }
        #expect(abs(row.reduce(0, +) - 1) < 1e-6)
        #expect(row == row.sorted())
    }
}
