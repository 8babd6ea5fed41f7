//! The Python objects that ruamel.yaml's safe loader builds, with Python's `str()`,
//! `repr()` and `==` (the parts the config merge and `str(paths.root)` need).

use std::cmp::Ordering;

/// Python's limit on converting an integer to or from decimal text
/// (`sys.get_int_max_str_digits()`, 4300 on CPython 3.12).
pub const INT_MAX_STR_DIGITS: usize = 4300;

/// An unbounded Python `int`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigInt {
    /// True for negative numbers (never for zero).
    pub negative: bool,
    /// Magnitude, little-endian base 2^32 limbs, no trailing zero limbs.
    pub limbs: Vec<u32>,
}

/// Integer text that Python's `int()` refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntError {
    /// Not digits of the radix (`ValueError: invalid literal for int()`).
    Invalid,
    /// More than [`INT_MAX_STR_DIGITS`] decimal digits (`ValueError: Exceeds the limit`).
    TooManyDigits,
}

impl BigInt {
    /// Zero.
    pub fn zero() -> Self {
        BigInt {
            negative: false,
            limbs: Vec::new(),
        }
    }

    fn mul_add(&mut self, mul: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.limbs {
            let v = u64::from(*limb) * u64::from(mul) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.limbs.push(carry as u32);
        }
    }

    /// Python `int(text, radix)` for radix 2, 8, 10 or 16 after `_` removal: optional
    /// surrounding whitespace, optional sign, at least one digit.
    pub fn parse(text: &str, radix: u32) -> Result<Self, IntError> {
        let t = text.trim_matches(super::pathlib::py_isspace);
        let (negative, digits) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        if digits.is_empty() {
            return Err(IntError::Invalid);
        }
        let mut n = BigInt::zero();
        for c in digits.chars() {
            let d = c.to_digit(radix).ok_or(IntError::Invalid)?;
            n.mul_add(radix, d);
        }
        if radix == 10 && digits.len() > INT_MAX_STR_DIGITS {
            return Err(IntError::TooManyDigits);
        }
        n.negative = negative && !n.limbs.is_empty();
        Ok(n)
    }

    /// Negates when `negative` is true.
    pub fn with_sign(mut self, negative: bool) -> Self {
        if negative && !self.limbs.is_empty() {
            self.negative = !self.negative;
        }
        self
    }

    /// `str(int)`; `None` when Python would refuse (more than 4300 digits).
    pub fn to_decimal(&self) -> Option<String> {
        let mut limbs = self.limbs.clone();
        let mut chunks: Vec<u32> = Vec::new();
        while !limbs.is_empty() {
            let mut rem: u64 = 0;
            for limb in limbs.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*limb);
                *limb = (cur / 1_000_000_000) as u32;
                rem = cur % 1_000_000_000;
            }
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
            chunks.push(rem as u32);
        }
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        match chunks.split_last() {
            None => out.push('0'),
            Some((first, rest)) => {
                out.push_str(&first.to_string());
                for c in rest.iter().rev() {
                    out.push_str(&format!("{c:09}"));
                }
            }
        }
        let digits = out.len() - usize::from(self.negative);
        (digits <= INT_MAX_STR_DIGITS).then_some(out)
    }

    /// Exact comparison with a finite float (Python `int == float`).
    fn eq_f64(&self, f: f64) -> bool {
        if !f.is_finite() || f.fract() != 0.0 {
            return false;
        }
        let neg = f < 0.0;
        let mut a = f.abs();
        let mut limbs = Vec::new();
        let mut scale = Vec::new();
        while a >= 1.0 {
            let r = a % 4294967296.0;
            scale.push(r as u32);
            a = (a - r) / 4294967296.0;
        }
        limbs.extend(scale);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        let other = BigInt {
            negative: neg && !limbs.is_empty(),
            limbs,
        };
        *self == other
    }
}

/// A calendar date (`datetime.date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// Year, 1..=9999.
    pub year: u32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month.
    pub day: u32,
}

/// A `datetime.datetime`, naive or with a fixed offset (`datetime.timezone`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTime {
    /// The date part.
    pub date: Date,
    /// Hour, minute, second.
    pub hms: (u32, u32, u32),
    /// Microseconds.
    pub micro: u32,
    /// UTC offset in minutes and the zone name ruamel gives (`Z`, `+05:30`, …).
    pub tz: Option<(i32, String)>,
}

/// A Python value built by the safe loader.
#[derive(Debug, Clone)]
pub enum Value {
    /// `None`.
    None,
    /// `bool`.
    Bool(bool),
    /// `int`.
    Int(BigInt),
    /// `float`.
    Float(f64),
    /// `str`.
    Str(String),
    /// `bytes` (`!!binary`).
    Bytes(Vec<u8>),
    /// `datetime.date`.
    Date(Date),
    /// `datetime.datetime`.
    DateTime(DateTime),
    /// `list`.
    List(Vec<Value>),
    /// `tuple` (a sequence used as a mapping key).
    Tuple(Vec<Value>),
    /// `dict`, insertion-ordered.
    Dict(Vec<(Value, Value)>),
    /// `set` (`!!set`), in source order (Python's order is hash order).
    Set(Vec<Value>),
    /// ruamel's `ordereddict` (`!!omap`).
    OrderedDict(Vec<(Value, Value)>),
}

fn days_from_civil(d: &Date) -> i64 {
    let y = i64::from(d.year) - i64::from(d.month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(d.month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe
}

impl DateTime {
    fn utc_micros(&self) -> i128 {
        let secs = days_from_civil(&self.date) * 86400
            + i64::from(self.hms.0) * 3600
            + i64::from(self.hms.1) * 60
            + i64::from(self.hms.2)
            - self.tz.as_ref().map_or(0, |(m, _)| i64::from(*m) * 60);
        i128::from(secs) * 1_000_000 + i128::from(self.micro)
    }
}

impl Value {
    /// Whether Python can hash it (use it as a dict key or set member).
    pub fn is_hashable(&self) -> bool {
        match self {
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::OrderedDict(_) => false,
            Value::Tuple(items) => items.iter().all(Value::is_hashable),
            _ => true,
        }
    }

    /// Python's type name (for messages).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::DateTime(_) => "datetime",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::OrderedDict(_) => "ordereddict",
        }
    }

    fn as_number(&self) -> Option<Result<BigInt, f64>> {
        match self {
            Value::Bool(b) => Some(Ok(BigInt {
                negative: false,
                limbs: if *b { vec![1] } else { vec![] },
            })),
            Value::Int(i) => Some(Ok(i.clone())),
            Value::Float(f) => Some(Err(*f)),
            _ => None,
        }
    }

    /// Python `==` as used by dict look-ups. Every NaN equals every other NaN, because
    /// ruamel hands out one shared NaN object and containers compare identity first.
    pub fn py_eq(&self, other: &Value) -> bool {
        if let (Some(a), Some(b)) = (self.as_number(), other.as_number()) {
            return match (a, b) {
                (Ok(a), Ok(b)) => a == b,
                (Ok(i), Err(f)) | (Err(f), Ok(i)) => i.eq_f64(f),
                (Err(a), Err(b)) => a == b || (a.is_nan() && b.is_nan()),
            };
        }
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::Date(a), Value::Date(b)) => a == b,
            (Value::DateTime(a), Value::DateTime(b)) => match (&a.tz, &b.tz) {
                (None, None) => a.date == b.date && a.hms == b.hms && a.micro == b.micro,
                (Some(_), Some(_)) => a.utc_micros() == b.utc_micros(),
                _ => false,
            },
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.py_eq(y))
            }
            (Value::OrderedDict(a), Value::OrderedDict(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((k1, v1), (k2, v2))| k1.py_eq(k2) && v1.py_eq(v2))
            }
            (Value::Dict(a) | Value::OrderedDict(a), Value::Dict(b) | Value::OrderedDict(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| dict_get(b, k).is_some_and(|w| v.py_eq(w)))
            }
            (Value::Set(a), Value::Set(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x.py_eq(y)))
            }
            _ => false,
        }
    }

    /// Python `str(value)`; `None` when Python raises (an `int` of more than 4300
    /// digits anywhere inside).
    pub fn py_str(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Date(d) => Some(date_str(d)),
            Value::DateTime(dt) => Some(datetime_str(dt)),
            _ => self.py_repr(),
        }
    }

    /// Python `repr(value)`; `None` when Python raises.
    pub fn py_repr(&self) -> Option<String> {
        Some(match self {
            Value::None => "None".to_owned(),
            Value::Bool(true) => "True".to_owned(),
            Value::Bool(false) => "False".to_owned(),
            Value::Int(i) => i.to_decimal()?,
            Value::Float(f) => float_repr(*f),
            Value::Str(s) => str_repr(s),
            Value::Bytes(b) => bytes_repr(b),
            Value::Date(d) => format!("datetime.date({}, {}, {})", d.year, d.month, d.day),
            Value::DateTime(dt) => datetime_repr(dt),
            Value::List(items) => format!("[{}]", join_repr(items)?),
            Value::Tuple(items) if items.len() == 1 => format!("({},)", join_repr(items)?),
            Value::Tuple(items) => format!("({})", join_repr(items)?),
            Value::Set(items) if items.is_empty() => "set()".to_owned(),
            Value::Set(items) => format!("{{{}}}", join_repr(items)?),
            Value::Dict(pairs) => format!("{{{}}}", join_pairs(pairs)?),
            Value::OrderedDict(pairs) if pairs.is_empty() => "ordereddict()".to_owned(),
            Value::OrderedDict(pairs) => format!("ordereddict({{{}}})", join_pairs(pairs)?),
        })
    }
}

/// Looks a key up in an insertion-ordered dict with Python equality.
pub fn dict_get<'a>(pairs: &'a [(Value, Value)], key: &Value) -> Option<&'a Value> {
    pairs.iter().find(|(k, _)| k.py_eq(key)).map(|(_, v)| v)
}

/// Python `d[key] = value`: an existing equal key keeps its position and key object.
pub fn dict_set(pairs: &mut Vec<(Value, Value)>, key: Value, value: Value) {
    match pairs.iter_mut().find(|(k, _)| k.py_eq(&key)) {
        Some(slot) => slot.1 = value,
        None => pairs.push((key, value)),
    }
}

fn join_repr(items: &[Value]) -> Option<String> {
    let parts: Option<Vec<String>> = items.iter().map(Value::py_repr).collect();
    Some(parts?.join(", "))
}

fn join_pairs(pairs: &[(Value, Value)]) -> Option<String> {
    let parts: Option<Vec<String>> = pairs
        .iter()
        .map(|(k, v)| Some(format!("{}: {}", k.py_repr()?, v.py_repr()?)))
        .collect();
    Some(parts?.join(", "))
}

fn date_str(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

fn offset_str(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

fn datetime_str(dt: &DateTime) -> String {
    let mut out = format!(
        "{} {:02}:{:02}:{:02}",
        date_str(&dt.date),
        dt.hms.0,
        dt.hms.1,
        dt.hms.2
    );
    if dt.micro != 0 {
        out.push_str(&format!(".{:06}", dt.micro));
    }
    if let Some((minutes, _)) = &dt.tz {
        out.push_str(&offset_str(*minutes));
    }
    out
}

fn timedelta_repr(minutes: i32) -> String {
    if minutes == 0 {
        return "datetime.timedelta(0)".to_owned();
    }
    let secs = i64::from(minutes) * 60;
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    match (days, rem) {
        (0, s) => format!("datetime.timedelta(seconds={s})"),
        (d, 0) => format!("datetime.timedelta(days={d})"),
        (d, s) => format!("datetime.timedelta(days={d}, seconds={s})"),
    }
}

fn datetime_repr(dt: &DateTime) -> String {
    let d = &dt.date;
    let mut fields = vec![
        d.year.to_string(),
        d.month.to_string(),
        d.day.to_string(),
        dt.hms.0.to_string(),
        dt.hms.1.to_string(),
    ];
    if dt.micro != 0 {
        fields.push(dt.hms.2.to_string());
        fields.push(dt.micro.to_string());
    } else if dt.hms.2 != 0 {
        fields.push(dt.hms.2.to_string());
    }
    let mut out = format!("datetime.datetime({}", fields.join(", "));
    if let Some((minutes, name)) = &dt.tz {
        out.push_str(&format!(
            ", tzinfo=datetime.timezone({}, {})",
            timedelta_repr(*minutes),
            str_repr(name)
        ));
    }
    out.push(')');
    out
}

/// Python `repr(float)`: shortest round-trip digits; exponent form when the decimal
/// exponent is below -4 or at least 16.
///
/// ```
/// use setup_stamp::location::value::float_repr;
/// assert_eq!(float_repr(1000.0), "1000.0");
/// assert_eq!(float_repr(1e16), "1e+16");
/// assert_eq!(float_repr(1e-5), "1e-05");
/// assert_eq!(float_repr(f64::INFINITY), "inf");
/// ```
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if exp + 1 >= n {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (a, b) = digits.split_at((exp + 1) as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{body}")
    } else {
        let mant = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{esign}{:02}", exp.abs())
    }
}

/// Python `repr(str)`, with the reference Python's own `str.isprintable`
/// table (shared with [`crate::pyjson`]).
///
/// ```
/// use setup_stamp::location::value::str_repr;
/// assert_eq!(str_repr("it's"), "\"it's\"");
/// assert_eq!(str_repr("a\tb"), "'a\\tb'");
/// assert_eq!(str_repr("\u{378}"), "'\\u0378'"); // unassigned in Unicode 15.0
/// ```
pub fn str_repr(s: &str) -> String {
    crate::pyjson::python_repr(&crate::pyjson::PyString::from(s))
}

fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::from("b");
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote as char);
    out
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.py_eq(other)
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, _other: &Self) -> Option<Ordering> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        let big = BigInt::parse("123456789012345678901234567890", 10).unwrap();
        assert_eq!(big.to_decimal().unwrap(), "123456789012345678901234567890");
        assert_eq!(
            BigInt::parse("ff", 16)
                .unwrap()
                .with_sign(true)
                .to_decimal(),
            Some("-255".to_owned())
        );
        assert_eq!(
            BigInt::parse("010", 10).unwrap().to_decimal().unwrap(),
            "10"
        );
        assert_eq!(BigInt::parse("", 10), Err(IntError::Invalid));
        assert_eq!(
            BigInt::parse(&"1".repeat(4301), 10),
            Err(IntError::TooManyDigits)
        );
        assert!(BigInt::parse(&"f".repeat(4000), 16)
            .unwrap()
            .to_decimal()
            .is_none());
        assert!(Value::Int(BigInt::parse("1", 10).unwrap()).py_eq(&Value::Bool(true)));
        assert!(Value::Int(BigInt::parse("3", 10).unwrap()).py_eq(&Value::Float(3.0)));
        assert!(!Value::Int(BigInt::parse("3", 10).unwrap()).py_eq(&Value::Float(3.5)));
    }

    #[test]
    fn floats() {
        for (f, s) in [
            (1.5, "1.5"),
            (100.0, "100.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (2.5e-5, "2.5e-05"),
            (-0.0, "-0.0"),
            (1.2345678901234567, "1.2345678901234567"),
            (1e300, "1e+300"),
        ] {
            assert_eq!(float_repr(f), s);
        }
    }

    #[test]
    fn reprs() {
        let v = Value::List(vec![
            Value::Str("a".into()),
            Value::Bool(true),
            Value::None,
            Value::Float(1.0),
            Value::Dict(vec![(Value::Str("k".into()), Value::Str("v".into()))]),
            Value::Tuple(vec![Value::Int(BigInt::zero())]),
        ]);
        assert_eq!(
            v.py_str().unwrap(),
            "['a', True, None, 1.0, {'k': 'v'}, (0,)]"
        );
        let dt = DateTime {
            date: Date {
                year: 2024,
                month: 1,
                day: 1,
            },
            hms: (10, 0, 0),
            micro: 0,
            tz: Some((0, "Z".into())),
        };
        assert_eq!(
            Value::DateTime(dt.clone()).py_str().unwrap(),
            "2024-01-01 10:00:00+00:00"
        );
        assert_eq!(
            Value::DateTime(dt).py_repr().unwrap(),
            "datetime.datetime(2024, 1, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))"
        );
    }
}
