//! Python's `float.__repr__` (`repr` style "short", CPython 3.1+).

/// Appends Python's `repr(x)`: the shortest digits that round-trip, in fixed
/// notation when the decimal exponent is in `-4..16`, otherwise as
/// `d.ddde±XX` (at least two exponent digits); `nan`, `inf`, `-inf`, `-0.0`.
///
/// The digits are those of Python's `dtoa` mode 0: the fewest that
/// round-trip, the closest such candidate, ties to even.
pub(super) fn push_float_repr(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x < 0.0 { "-inf" } else { "inf" });
        return;
    }
    if x.is_sign_negative() {
        out.push('-');
    }
    if x == 0.0 {
        out.push_str("0.0");
        return;
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, but breaks a
    // tie between two equally close candidates upwards where Python's dtoa
    // rounds half to even (828844357797254.25 → `…254.2`). The closest
    // n-digit decimal always round-trips when some n-digit one does, so
    // format exactly to the shortest length, which rounds ties to even.
    let shortest = format!("{:e}", x.abs());
    let n = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.bytes().filter(u8::is_ascii_digit).count());
    let sci = format!("{:.*e}", n.saturating_sub(1), x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits = [0u8; 24];
    let mut n = 0;
    for &d in mantissa.as_bytes() {
        if d.is_ascii_digit() && n < digits.len() {
            digits[n] = d;
            n += 1;
        }
    }
    let digits = &digits[..n];
    let as_str = |d: &[u8]| String::from_utf8_lossy(d).into_owned();
    if (-4..16).contains(&exp) {
        // Point after `decpt` digits.
        let decpt = exp + 1;
        if decpt <= 0 {
            out.push_str("0.");
            for _ in 0..-decpt {
                out.push('0');
            }
            out.push_str(&as_str(digits));
        } else {
            let decpt = decpt as usize;
            if digits.len() <= decpt {
                out.push_str(&as_str(digits));
                for _ in digits.len()..decpt {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&as_str(&digits[..decpt]));
                out.push('.');
                out.push_str(&as_str(&digits[decpt..]));
            }
        }
    } else {
        out.push_str(&as_str(&digits[..1]));
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&as_str(&digits[1..]));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        out.push_str(&abs.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::push_float_repr;

    fn repr(x: f64) -> String {
        let mut s = String::new();
        push_float_repr(&mut s, x);
        s
    }

    #[test]
    fn python_float_repr() {
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (100.0, "100.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1e-5, "1e-05"),
            (1e-7, "1e-07"),
            (2.5e-5, "2.5e-05"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.2345678901234567, "1.2345678901234567"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (0.1, "0.1"),
            (-1.0, "-1.0"),
            (123456789012345.6, "123456789012345.6"),
            (9999999999999998.0, "9999999999999998.0"),
            (1e100, "1e+100"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (1e22, "1e+22"),
            (0.3, "0.3"),
            (1.0 / 3.0, "0.3333333333333333"),
            // Exact ties between two shortest candidates: Python picks even.
            (-(828844357797254.0 + 0.25), "-828844357797254.2"),
            (-(22425389330256.0 + 0.5625), "-22425389330256.562"),
            (0.5, "0.5"),
            (2.5, "2.5"),
        ];
        for &(x, want) in cases {
            assert_eq!(repr(x), want, "{x:e}");
        }
    }
}
