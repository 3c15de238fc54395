//! `ln` and `exp` that give the same bits on every platform.
//!
//! `f64::ln` and `f64::exp` call the platform's libm, and libms differ in the
//! last bit of some results (glibc, musl, macOS, MSVC and LLVM's constant
//! folder are all "within 1 ulp", not all the same). The random draws of
//! [`super::Rng`] feed simulated times, so one differing bit can move an
//! event and change a run's output on another platform. These two functions
//! use only IEEE-754 basic operations (`+ − × ÷`, comparisons, integer ↔ float
//! conversions and bit manipulation), which are correctly rounded, hence
//! identical, on every IEEE-754 platform; Rust never contracts `a * b + c` into
//! a fused multiply-add, so the sequence of roundings is the one written.
//!
//! Both are line-by-line ports of FreeBSD msun (fdlibm), whose error analysis
//! bounds the error below 1 ulp:
//! - [`ln`]: `lib/msun/src/e_log.c` (`__ieee754_log`), Copyright (C) 1993 by
//!   Sun Microsystems, Inc.;
//! - [`exp`]: `lib/msun/src/e_exp.c` (`__ieee754_exp`), Copyright (C) 2004 by
//!   Sun Microsystems, Inc.
//!
//! Both files carry the fdlibm notice, reproduced here as it asks: "Permission
//! to use, copy, modify, and distribute this software is freely granted,
//! provided that this notice is preserved." The constants are written as their
//! bit patterns (the hexadecimal words of the C sources), so no decimal-to-binary
//! conversion is involved.
//!
//! They are `const fn`: the ziggurat tables of [`super::rng`] are computed
//! with them at compile time.
//!
//! Only the simulator's own draws need them; reports and validation keep
//! using `f64` methods, whose last bit does not reach simulated time.

/// Bits of `x` as the two 32-bit words fdlibm works on: (high, low).
const fn words(x: f64) -> (u32, u32) {
    let b = x.to_bits();
    ((b >> 32) as u32, b as u32)
}

/// An `f64` from fdlibm's two 32-bit words.
const fn from_words(hi: u32, lo: u32) -> f64 {
    f64::from_bits(((hi as u64) << 32) | lo as u64)
}

// e_log.c constants.
/// ln 2, high part: 6.93147180369123816490e-01; `k * LN2_HI` is exact for |k| < 2000.
const LN2_HI: f64 = from_words(0x3fe6_2e42, 0xfee0_0000);
/// ln 2, low part: 1.90821492927058770002e-10.
const LN2_LO: f64 = from_words(0x3dea_39ef, 0x3579_3c76);
/// 2^54.
const TWO54: f64 = from_words(0x4350_0000, 0);
const LG1: f64 = from_words(0x3FE5_5555, 0x5555_5593); // 6.666666666666735130e-01
const LG2: f64 = from_words(0x3FD9_9999, 0x9997_FA04); // 3.999999999940941908e-01
const LG3: f64 = from_words(0x3FD2_4924, 0x9422_9359); // 2.857142874366239149e-01
const LG4: f64 = from_words(0x3FCC_71C5, 0x1D8E_78AF); // 2.222219843214978396e-01
const LG5: f64 = from_words(0x3FC7_4664, 0x96CB_03DE); // 1.818357216161805012e-01
const LG6: f64 = from_words(0x3FC3_9A09, 0xD078_C69F); // 1.531383769920937332e-01
const LG7: f64 = from_words(0x3FC2_F112, 0xDF3E_5244); // 1.479819860511658591e-01
/// 1/3 as fdlibm writes it (`0.33333333333333333`).
const THIRD: f64 = from_words(0x3FD5_5555, 0x5555_5555);

/// The natural logarithm of `x`, within 1 ulp, with the same bits on every
/// platform (a port of FreeBSD msun `e_log.c`).
///
/// `ln(0) = −∞`, `ln(x < 0) = NaN`, `ln(+∞) = +∞`, `ln(NaN) = NaN`.
pub const fn ln(x: f64) -> f64 {
    let (mut hx, lx) = words(x);
    let mut x = x;
    let mut k: i32 = 0;
    if hx < 0x0010_0000 || hx >= 0x8000_0000 {
        // x < 2^-1022 (as a signed high word): zero, negative or subnormal.
        if ((hx & 0x7fff_ffff) | lx) == 0 {
            return f64::NEG_INFINITY; // ln(±0) = −∞
        }
        if hx >= 0x8000_0000 {
            return f64::NAN; // ln(negative) = NaN (and −NaN stays NaN)
        }
        // Subnormal: scale up.
        k -= 54;
        x *= TWO54;
        hx = words(x).0;
    }
    if hx >= 0x7ff0_0000 {
        return x + x; // +∞ or NaN
    }
    k += (hx >> 20) as i32 - 1023;
    hx &= 0x000f_ffff;
    let i = (hx + 0x95f64) & 0x10_0000;
    // Normalize x or x/2 into [sqrt(2)/2, sqrt(2)).
    x = from_words(hx | (i ^ 0x3ff0_0000), words(x).1);
    k += (i >> 20) as i32;
    let f = x - 1.0;
    if (0x000f_ffff & (2 + hx)) < 3 {
        // -2^-20 <= f < 2^-20
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            let dk = k as f64;
            return dk * LN2_HI + dk * LN2_LO;
        }
        let r = f * f * (0.5 - THIRD * f);
        if k == 0 {
            return f - r;
        }
        let dk = k as f64;
        return dk * LN2_HI - ((r - dk * LN2_LO) - f);
    }
    let s = f / (2.0 + f);
    let dk = k as f64;
    let z = s * s;
    let mut i = hx as i32 - 0x6147a;
    let w = z * z;
    let j = 0x6b851 - hx as i32;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    i |= j;
    let r = t2 + t1;
    if i > 0 {
        let hfsq = 0.5 * f * f;
        if k == 0 {
            f - (hfsq - s * (hfsq + r))
        } else {
            dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
        }
    } else if k == 0 {
        f - s * (f - r)
    } else {
        dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f)
    }
}

// e_exp.c constants.
/// Above this, exp overflows: 7.09782712893383973096e+02.
const O_THRESHOLD: f64 = from_words(0x4086_2E42, 0xFEFA_39EF);
/// Below this, exp underflows to 0: -7.45133219101941108420e+02.
const U_THRESHOLD: f64 = from_words(0xc087_4910, 0xD52D_3051);
/// 1/ln 2: 1.44269504088896338700e+00.
const INVLN2: f64 = from_words(0x3ff7_1547, 0x652b_82fe);
const P1: f64 = from_words(0x3FC5_5555, 0x5555_553E); // 1.66666666666666019037e-01
const P2: f64 = from_words(0xBF66_C16C, 0x16BE_BD93); // -2.77777777770155933842e-03
const P3: f64 = from_words(0x3F11_566A, 0xAF25_DE2C); // 6.61375632143793436117e-05
const P4: f64 = from_words(0xBEBB_BD41, 0xC5D2_6BF1); // -1.65339022054652515390e-06
const P5: f64 = from_words(0x3E66_3769, 0x72BE_A4D0); // 4.13813679705723846039e-08
/// 2^-1000.
const TWOM1000: f64 = from_words(0x0170_0000, 0);
/// 2^1023.
const TWO1023: f64 = from_words(0x7fe0_0000, 0);

/// `e^x`, within 1 ulp, with the same bits on every platform (a port of
/// FreeBSD msun `e_exp.c`).
///
/// `exp(+∞) = +∞`, `exp(−∞) = 0`, `exp(NaN) = NaN`; overflow gives `+∞` and
/// underflow `0` (through subnormal results in between).
pub const fn exp(x: f64) -> f64 {
    let (hx_signed, lx) = words(x);
    let xsb = (hx_signed >> 31) as usize; // sign bit of x
    let hx = hx_signed & 0x7fff_ffff; // high word of |x|
    let ln2_hi = [LN2_HI, -LN2_HI];
    let ln2_lo = [LN2_LO, -LN2_LO];
    let half = [0.5, -0.5];

    // Non-finite and out-of-range arguments.
    if hx >= 0x4086_2E42 {
        // |x| >= 709.78...
        if hx >= 0x7ff0_0000 {
            if ((hx & 0xf_ffff) | lx) != 0 {
                return x + x; // NaN
            }
            return if xsb == 0 { x } else { 0.0 }; // exp(±∞) = {∞, 0}
        }
        if x > O_THRESHOLD {
            return f64::INFINITY;
        }
        if x < U_THRESHOLD {
            return 0.0;
        }
    }

    // Argument reduction: x = k ln2 + r, |r| <= 0.5 ln2, r = hi - lo.
    let mut x = x;
    let (mut hi, mut lo, mut k) = (0.0, 0.0, 0i32);
    if hx > 0x3fd6_2e42 {
        // |x| > 0.5 ln2
        if hx < 0x3FF0_A2B2 {
            // and |x| < 1.5 ln2
            hi = x - ln2_hi[xsb];
            lo = ln2_lo[xsb];
            k = 1 - xsb as i32 - xsb as i32;
        } else {
            k = (INVLN2 * x + half[xsb]) as i32;
            let t = k as f64;
            hi = x - t * ln2_hi[0]; // t * ln2_hi is exact here
            lo = t * ln2_lo[0];
        }
        x = hi - lo;
    } else if hx < 0x3e30_0000 {
        // |x| < 2^-28
        return 1.0 + x;
    }

    // x is now in the primary range.
    let t = x * x;
    let twopk = if k >= -1021 {
        from_words((0x3ff0_0000 + (k << 20)) as u32, 0)
    } else {
        from_words((0x3ff0_0000 + ((k + 1000) << 20)) as u32, 0)
    };
    let c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    if k == 0 {
        return 1.0 - ((x * c) / (c - 2.0) - x);
    }
    let y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
    if k >= -1021 {
        if k == 1024 {
            return y * 2.0 * TWO1023;
        }
        y * twopk
    } else {
        y * twopk * TWOM1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Rng;

    /// Distance in units in the last place between two finite doubles of
    /// the same sign (their bit patterns are ordered like their values).
    fn ulps(a: f64, b: f64) -> u64 {
        assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{a} vs {b}");
        a.to_bits().abs_diff(b.to_bits())
    }

    fn check_ln(x: f64, worst: &mut u64) {
        let (got, want) = (ln(x), x.ln());
        let d = ulps(got, want);
        assert!(d <= 1, "ln({x:e}) = {got:e}, libm {want:e}: {d} ulps");
        *worst = (*worst).max(d);
    }

    fn check_exp(x: f64, worst: &mut u64) {
        let (got, want) = (exp(x), x.exp());
        let d = ulps(got, want);
        assert!(d <= 1, "exp({x:e}) = {got:e}, libm {want:e}: {d} ulps");
        *worst = (*worst).max(d);
    }

    #[test]
    fn ln_is_within_one_ulp_of_libm() {
        let mut r = Rng::stream(2024, 1);
        let mut worst = 0;
        for _ in 0..400_000 {
            // Uniform in (0, 1]: the draws the tail of the ziggurat takes.
            check_ln(r.next_open01(), &mut worst);
            // Any positive normal or subnormal double: uniform bit patterns.
            let bits = r.next_u64() >> 1; // sign bit clear
            let x = f64::from_bits(bits);
            if x.is_finite() && x > 0.0 {
                check_ln(x, &mut worst);
            }
            // Near 1, where the short series is used.
            check_ln(1.0 + (r.next_open01() - 0.5) * 1e-5, &mut worst);
        }
        for x in [
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 3.0,
            5e-324,
            f64::MAX,
            0.5,
            2.0,
            std::f64::consts::E,
            1.0 - f64::EPSILON / 2.0,
            1.0 + f64::EPSILON,
        ] {
            check_ln(x, &mut worst);
        }
        assert!(worst <= 1);
    }

    #[test]
    fn exp_is_within_one_ulp_of_libm() {
        let mut r = Rng::stream(2024, 2);
        let mut worst = 0;
        for _ in 0..400_000 {
            // The ziggurat's wedges: exp(−x) for x in [0, 8.7].
            check_exp(-8.7 * r.next_open01(), &mut worst);
            // The whole finite range, overflow and underflow excluded.
            check_exp(-745.0 + 1454.0 * r.next_open01(), &mut worst);
            // Small arguments.
            check_exp((r.next_open01() - 0.5) * 1e-6, &mut worst);
        }
        for x in [
            0.5 * std::f64::consts::LN_2,
            1.5 * std::f64::consts::LN_2,
            709.0,
            -708.0,
            -740.0,
            1e-300,
            -1e-300,
        ] {
            check_exp(x, &mut worst);
        }
        assert!(worst <= 1);
    }

    #[test]
    fn special_values_follow_c99() {
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(-0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
        assert!(ln(f64::NEG_INFINITY).is_nan());
        assert!(ln(f64::NAN).is_nan());
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        assert_eq!(ln(1.0).to_bits(), 0);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0).to_bits(), 0);
        // Subnormal results between the two thresholds.
        let tiny = exp(-740.0);
        assert!(tiny > 0.0 && tiny < f64::MIN_POSITIVE);
    }

    /// Exact bits for a few arguments, so that a change to the port, or a
    /// platform that rounds a basic operation differently, fails here. Each
    /// was checked against a 60-digit value (Python's `decimal`); most are
    /// the correctly rounded result, two are not, and both are fdlibm's
    /// documented behaviour: within 1 ulp, not always the nearest double.
    #[test]
    fn known_answers_are_bit_exact() {
        // ln 2 = 0.693147180559945309417…, correctly rounded.
        assert_eq!(ln(2.0).to_bits(), 0x3FE6_2E42_FEFA_39EF);
        // ln 0.5 = −ln 2.
        assert_eq!(ln(0.5).to_bits(), 0xBFE6_2E42_FEFA_39EF);
        // ln 10 = 2.302585092994045684017…, correctly rounded.
        assert_eq!(ln(10.0).to_bits(), 0x4002_6BB1_BBB5_5516);
        // ln 3 = 1.098612288668109691395…: 0.59 ulp above this double;
        // fdlibm rounds down, glibc to the nearest (…030B).
        assert_eq!(ln(3.0).to_bits(), 0x3FF1_93EA_7AAD_030A);
        // ln 1e-300, correctly rounded.
        assert_eq!(ln(1e-300).to_bits(), 0xC085_9634_47F8_7FB5);
        // e = 2.718281828459045235360…: 0.33 ulp above …769, the nearest;
        // fdlibm gives …76A, as Java's StrictMath.exp(1) (fdlibm) does:
        // 2.7182818284590455.
        assert_eq!(exp(1.0).to_bits(), 0x4005_BF0A_8B14_576A);
        // 1/e = 0.367879441171442321595…, correctly rounded.
        assert_eq!(exp(-1.0).to_bits(), 0x3FD7_8B56_362C_EF38);
        // e^10 = 22026.46579480671651695…, correctly rounded.
        assert_eq!(exp(10.0).to_bits(), 0x40D5_829D_CF95_0560);
        // e^−7.5 = 5.530843701478335831…e−4 (the ziggurat's range), correctly rounded.
        assert_eq!(exp(-7.5).to_bits(), 0x3F42_1F9B_A40F_31D5);
        // e^−700 = 9.8596765437597708567…e−305, near the bottom of the normal range.
        assert_eq!(exp(-700.0).to_bits(), 0x00D1_4F2B_0FB9_307F);
    }
}
