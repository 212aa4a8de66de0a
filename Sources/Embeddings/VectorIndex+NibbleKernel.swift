#if arch(x86_64)
    import _Builtin_intrinsics.intel
#endif

/// Integer dot products of 4-bit rows (`QuantizedRows.codes`) with a 16-bit query (`QuantizedQuery.values`).
///
/// `dot` returns `K = Σ n[j]·p[j]` exactly. On x86-64 it uses SSE2 only (the default target, no runtime
/// dispatch): a lane's nibble `k` is moved to the top four bits (`lane << (12 − 4k)`, masked), which makes it the
/// signed value `4096·n`; `pmaddwd` multiplies eight such lanes by eight query values and adds pairs into 32-bit
/// sums (`_mm_madd_epi16`), so there is no widening step. Each 32-bit lane adds `8·blocks` products of at most
/// `4096 · 8 · P` in magnitude, which `QuantizedQuery.queryRange` keeps below 2³¹; every product is a multiple of
/// 4096, so `>> 12` on each lane is exact before the lanes are added. Measured on this machine (AMD EPYC, SSE2
/// code): four rows per call share the query loads, and the bounds of the four rows are then computed together.
enum NibbleKernel {
    /// `K` for the row at `row` (`blocks × 16` bytes).
    @inline(__always)
    static func dot(_ row: UnsafeRawPointer, _ query: UnsafeRawPointer, blocks: Int) -> Int32 {
        #if arch(x86_64)
            let mask = _mm_set1_epi16(Int16(bitPattern: 0xF000))
            var a0 = _mm_setzero_si128()
            var a1 = _mm_setzero_si128()
            for b in 0..<blocks {
                let w = load(row, 16 * b)
                let (x1, x2) = (_mm_and_si128(_mm_slli_epi16(w, 8), mask), _mm_and_si128(_mm_slli_epi16(w, 4), mask))
                a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_slli_epi16(w, 12), load(query, 64 * b)))
                a1 = _mm_add_epi32(a1, _mm_madd_epi16(x1, load(query, 64 * b + 16)))
                a0 = _mm_add_epi32(a0, _mm_madd_epi16(x2, load(query, 64 * b + 32)))
                a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_and_si128(w, mask), load(query, 64 * b + 48)))
            }
            return total(a0, a1)
        #else
            return portableDot(row, query, blocks: blocks)
        #endif
    }

    /// `K` for four consecutive rows `stride` bytes apart (the query blocks are loaded once for all four, and the
    /// four sums come out in one vector for the bound arithmetic).
    @inline(__always)
    static func dot4(_ rows: UnsafeRawPointer, stride: Int, _ query: UnsafeRawPointer, blocks: Int) -> SIMD4<Int32> {
        #if arch(x86_64)
            let mask = _mm_set1_epi16(Int16(bitPattern: 0xF000))
            var a = _mm_setzero_si128()
            var b = _mm_setzero_si128()
            var c = _mm_setzero_si128()
            var d = _mm_setzero_si128()
            for block in 0..<blocks {
                let q0 = load(query, 64 * block)
                let q1 = load(query, 64 * block + 16)
                let q2 = load(query, 64 * block + 32)
                let q3 = load(query, 64 * block + 48)
                @inline(__always) func products(_ w: __m128i) -> __m128i {
                    let low = _mm_add_epi32(
                        _mm_madd_epi16(_mm_slli_epi16(w, 12), q0),
                        _mm_madd_epi16(_mm_and_si128(_mm_slli_epi16(w, 8), mask), q1))
                    let high = _mm_add_epi32(
                        _mm_madd_epi16(_mm_and_si128(_mm_slli_epi16(w, 4), mask), q2),
                        _mm_madd_epi16(_mm_and_si128(w, mask), q3))
                    return _mm_add_epi32(low, high)
                }
                a = _mm_add_epi32(a, products(load(rows, 16 * block)))
                b = _mm_add_epi32(b, products(load(rows, stride + 16 * block)))
                c = _mm_add_epi32(c, products(load(rows, 2 * stride + 16 * block)))
                d = _mm_add_epi32(d, products(load(rows, 3 * stride + 16 * block)))
            }
            // Shift each lane down exactly, then transpose-add: lane r of the result is row r's total.
            a = _mm_srai_epi32(a, 12)
            b = _mm_srai_epi32(b, 12)
            c = _mm_srai_epi32(c, 12)
            d = _mm_srai_epi32(d, 12)
            let ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b))
            let cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d))
            let sums = _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd))
            return unsafeBitCast(sums, to: SIMD4<Int32>.self)
        #else
            return SIMD4(
                portableDot(rows, query, blocks: blocks), portableDot(rows + stride, query, blocks: blocks),
                portableDot(rows + 2 * stride, query, blocks: blocks),
                portableDot(rows + 3 * stride, query, blocks: blocks))
        #endif
    }

    #if arch(x86_64)
        @inline(__always)
        private static func load(_ base: UnsafeRawPointer, _ offset: Int) -> __m128i {
            _mm_loadu_si128((base + offset).assumingMemoryBound(to: __m128i.self))
        }

        /// `Σ (lane >> 12)` over both accumulators.
        @inline(__always)
        private static func total(_ a: __m128i, _ b: __m128i) -> Int32 {
            let sum = _mm_add_epi32(_mm_srai_epi32(a, 12), _mm_srai_epi32(b, 12))
            return unsafeBitCast(sum, to: SIMD4<Int32>.self).wrappedSum()
        }
    #endif

    /// The same sum with portable SIMD (other architectures; also the reference the tests compare with).
    static func portableDot(_ row: UnsafeRawPointer, _ query: UnsafeRawPointer, blocks: Int) -> Int32 {
        var total = SIMD8<Int32>()
        for b in 0..<blocks {
            let w = row.loadUnaligned(fromByteOffset: 16 * b, as: SIMD8<Int16>.self)
            for k in 0..<4 {
                // Arithmetic shifts sign-extend nibble k.
                let n = (w &<< Int16(12 - 4 * k)) &>> 12
                let p = query.loadUnaligned(fromByteOffset: 64 * b + 16 * k, as: SIMD8<Int16>.self)
                total &+= SIMD8<Int32>(truncatingIfNeeded: n) &* SIMD8<Int32>(truncatingIfNeeded: p)
            }
        }
        return total.wrappedSum()
    }
}
