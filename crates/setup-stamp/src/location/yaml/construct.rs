//! Construction: Python values from the composed nodes, as ruamel's
//! `SafeConstructor` builds them.
//!
//! Merge keys (`<<`) are flattened as `flatten_mapping` does, duplicate keys are
//! errors, aliases are copied (at most [`MAX_NODES`] values), and the tags of the
//! safe schema have their constructors: `!!null`, `!!bool`, `!!int`, `!!float`,
//! `!!str`, `!!binary`, `!!timestamp`, `!!seq`, `!!map`, `!!set`, `!!omap` and
//! `!!pairs`.

use std::rc::Rc;

use super::compose::Node;
use super::resolve::{strip_sign, Version};
use super::timestamp::{make_timestamp, parse_timestamp};
use super::{YamlError, MAX_NODES, TAG};
use crate::location::pathlib::py_isspace;
use crate::location::value::{dict_get, dict_set, BigInt, IntError, Value};

/// ruamel's `SafeConstructor` for one document.
pub(super) struct Constructor {
    /// The version the scalars were resolved with (sexagesimal and octal ints).
    version: Version,
    /// Values built so far, against [`MAX_NODES`].
    count: usize,
}

/// A scalar node's value; other nodes are a construction error.
fn scalar(node: &Node) -> Result<&str, YamlError> {
    match node {
        Node::Scalar { value, .. } => Ok(value),
        other => Err(YamlError::Construct(format!(
            "expected a scalar node, but found {}",
            other.id()
        ))),
    }
}

/// A construction error with ruamel's message.
fn bad(msg: String) -> YamlError {
    YamlError::Construct(msg)
}

/// The error for an integer text [`BigInt::parse`] refused.
fn int_error(e: IntError, text: &str) -> YamlError {
    match e {
        IntError::Invalid => bad(format!("invalid literal for int(): {text:?}")),
        IntError::TooManyDigits => YamlError::IntTooLong,
    }
}

/// `base64.decodebytes` (non-strict `a2b_base64`: other characters are skipped,
/// decoding stops at complete padding).
fn decode_base64(text: &str) -> Result<Vec<u8>, YamlError> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut quad = 0usize;
    let mut pads = 0usize;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                if quad >= 2 {
                    pads += 1;
                    if quad + pads >= 4 {
                        return Ok(out);
                    }
                }
                continue;
            }
            _ => continue,
        };
        if pads > 0 {
            pads = 0;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        quad = (quad + 1) % 4;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if quad != 0 {
        return Err(bad(
            "failed to decode base64 data: Incorrect padding".to_owned()
        ));
    }
    Ok(out)
}

/// Key and value nodes of a mapping, borrowed.
type Pairs<'a> = Vec<(&'a Rc<Node>, &'a Rc<Node>)>;

impl Constructor {
    /// A constructor for a document resolved with `version`.
    pub(super) fn new(version: Version) -> Self {
        Constructor { version, count: 0 }
    }

    /// The Python value of `node`, by its tag.
    pub(super) fn object(&mut self, node: &Rc<Node>) -> Result<Value, YamlError> {
        self.count += 1;
        if self.count > MAX_NODES {
            return Err(YamlError::TooLarge);
        }
        let tag = node.tag();
        let Some(short) = tag.strip_prefix(TAG) else {
            return Err(YamlError::UnknownTag(tag.to_owned()));
        };
        match short {
            "null" => scalar(node).map(|_| Value::None),
            "bool" => {
                let v = scalar(node)?;
                match v.to_lowercase().as_str() {
                    "yes" | "y" | "true" | "on" => Ok(Value::Bool(true)),
                    "no" | "n" | "false" | "off" => Ok(Value::Bool(false)),
                    _ => Err(bad(format!("not a boolean: {v:?}"))),
                }
            }
            "int" => self.int(scalar(node)?),
            "float" => self.float(scalar(node)?),
            "str" => scalar(node).map(|s| Value::Str(s.to_owned())),
            "binary" => {
                let v = scalar(node)?;
                if !v.is_ascii() {
                    return Err(bad("failed to convert base64 data into ascii".to_owned()));
                }
                decode_base64(v).map(Value::Bytes)
            }
            "timestamp" => {
                let parts = match &**node {
                    Node::Scalar { value, .. } => parse_timestamp(value),
                    _ => None,
                };
                make_timestamp(
                    parts.ok_or_else(|| bad("failed to construct timestamp".to_owned()))?,
                )
            }
            "seq" => match &**node {
                Node::Seq { items, .. } => Ok(Value::List(
                    items
                        .iter()
                        .map(|n| self.object(n))
                        .collect::<Result<_, _>>()?,
                )),
                other => Err(bad(format!(
                    "expected a sequence node, but found {}",
                    other.id()
                ))),
            },
            "map" => self.mapping(node).map(Value::Dict),
            "set" => {
                let pairs = self.mapping(node)?;
                Ok(Value::Set(pairs.into_iter().map(|(k, _)| k).collect()))
            }
            "omap" | "pairs" => self.pairs(node, short == "omap"),
            _ => Err(YamlError::UnknownTag(tag.to_owned())),
        }
    }

    /// `construct_yaml_int`.
    fn int(&self, text: &str) -> Result<Value, YamlError> {
        let s: String = text.chars().filter(|&c| c != '_').collect();
        let first = s
            .chars()
            .next()
            .ok_or_else(|| bad("empty int".to_owned()))?;
        let negative = first == '-';
        let body = if first == '-' || first == '+' {
            &s[1..]
        } else {
            &s[..]
        };
        let parsed = if body == "0" {
            Ok(BigInt::zero())
        } else if let Some(b) = body.strip_prefix("0b") {
            BigInt::parse(b, 2)
        } else if let Some(h) = body.strip_prefix("0x") {
            BigInt::parse(h, 16)
        } else if let Some(o) = body.strip_prefix("0o") {
            BigInt::parse(o, 8)
        } else if self.version == Version::V11 && body.starts_with('0') {
            BigInt::parse(body, 8)
        } else if self.version == Version::V11 && body.contains(':') {
            let mut value = BigInt::zero();
            for part in body.split(':') {
                let d = BigInt::parse(part, 10).map_err(|e| int_error(e, text))?;
                let small = d.limbs.first().copied().unwrap_or(0);
                value.mul_add(60, small);
            }
            Ok(value)
        } else {
            BigInt::parse(body, 10)
        };
        parsed
            .map(|n| Value::Int(n.with_sign(negative)))
            .map_err(|e| int_error(e, text))
    }

    /// `construct_yaml_float`.
    fn float(&self, text: &str) -> Result<Value, YamlError> {
        let lower: String = text
            .chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .to_lowercase();
        let first = lower
            .chars()
            .next()
            .ok_or_else(|| bad("empty float".to_owned()))?;
        let sign = if first == '-' { -1.0 } else { 1.0 };
        let body = if first == '-' || first == '+' {
            &lower[1..]
        } else {
            &lower[..]
        };
        if body == ".inf" {
            return Ok(Value::Float(sign * f64::INFINITY));
        }
        if body == ".nan" {
            return Ok(Value::Float(f64::NAN));
        }
        if self.version != Version::V12 && body.contains(':') {
            let mut value = 0.0;
            for part in body.split(':') {
                let d = py_float(part)
                    .ok_or_else(|| bad(format!("could not convert string to float: {part:?}")))?;
                value = value * 60.0 + d;
            }
            return Ok(Value::Float(sign * value));
        }
        let f = py_float(body)
            .ok_or_else(|| bad(format!("could not convert string to float: {text:?}")))?;
        Ok(Value::Float(sign * f))
    }

    /// `flatten_mapping`: the merged pairs (`<<`) and the node's own pairs.
    fn flatten<'a>(&self, node: &'a Node) -> Result<(Pairs<'a>, Pairs<'a>), YamlError> {
        let Node::Map { pairs, .. } = node else {
            return Err(bad(format!(
                "expected a mapping node, but found {}",
                node.id()
            )));
        };
        let mut merge: Pairs<'a> = Vec::new();
        let mut own: Pairs<'a> = Vec::new();
        let mut seen_merge = false;
        for (k, v) in pairs {
            if k.tag() == "tag:yaml.org,2002:merge" {
                if seen_merge && !merge.is_empty() {
                    return Err(YamlError::DuplicateKey("\"<<\"".to_owned()));
                }
                seen_merge = true;
                match &**v {
                    Node::Map { .. } => {
                        let (m, o) = self.flatten(v)?;
                        merge.extend(m);
                        merge.extend(o);
                    }
                    Node::Seq { items, .. } => {
                        let mut sub = Vec::new();
                        for item in items {
                            if !matches!(&**item, Node::Map { .. }) {
                                return Err(bad(format!(
                                    "expected a mapping for merging, but found {}",
                                    item.id()
                                )));
                            }
                            let (m, o) = self.flatten(item)?;
                            let mut all = m;
                            all.extend(o);
                            sub.push(all);
                        }
                        for s in sub.into_iter().rev() {
                            merge.extend(s);
                        }
                    }
                    Node::Scalar { .. } => {
                        return Err(bad(
                            "expected a mapping or list of mappings for merging, but found scalar"
                                .to_owned(),
                        ))
                    }
                }
            } else {
                own.push((k, v));
            }
        }
        Ok((merge, own))
    }

    /// A mapping key: a list becomes a tuple; unhashable keys are an error.
    fn key(&mut self, node: &Rc<Node>) -> Result<Value, YamlError> {
        // A `=` key is re-tagged as a string by `flatten_mapping`.
        let key = if node.tag() == "tag:yaml.org,2002:value" {
            Value::Str(scalar(node)?.to_owned())
        } else {
            self.object(node)?
        };
        let key = match key {
            Value::List(items) => Value::Tuple(items),
            other => other,
        };
        if !key.is_hashable() {
            return Err(YamlError::UnhashableKey);
        }
        Ok(key)
    }

    /// `construct_mapping` after `flatten_mapping`: the merged pairs, then all pairs
    /// again so that the node's own override them; a duplicate key is an error only
    /// in a mapping without a merge.
    fn mapping(&mut self, node: &Rc<Node>) -> Result<Vec<(Value, Value)>, YamlError> {
        let (merge, own) = self.flatten(node)?;
        let mut total: Vec<(Value, Value)> = Vec::new();
        let todo: Vec<(Pairs<'_>, bool)> = if merge.is_empty() {
            vec![(own, true)]
        } else {
            let mut all = merge.clone();
            all.extend(own);
            vec![(merge, false), (all, false)]
        };
        for (pairs, check) in todo {
            let mut mapping: Vec<(Value, Value)> = Vec::new();
            for (k, v) in pairs {
                let key = self.key(k)?;
                let value = self.object(v)?;
                if check && dict_get(&mapping, &key).is_some() {
                    let shown = key.py_str().unwrap_or_default();
                    return Err(YamlError::DuplicateKey(format!("\"{shown}\"")));
                }
                dict_set(&mut mapping, key, value);
            }
            for (k, v) in mapping {
                dict_set(&mut total, k, v);
            }
        }
        Ok(total)
    }

    /// `!!omap` (an `OrderedDict`, duplicate keys refused) or `!!pairs` (a list of
    /// tuples).
    fn pairs(&mut self, node: &Rc<Node>, omap: bool) -> Result<Value, YamlError> {
        let Node::Seq { items, .. } = &**node else {
            return Err(bad(format!("expected a sequence, but found {}", node.id())));
        };
        let mut out = Vec::new();
        for item in items {
            let Node::Map { pairs, .. } = &**item else {
                return Err(bad(format!(
                    "expected a mapping of length 1, but found {}",
                    item.id()
                )));
            };
            if pairs.len() != 1 {
                return Err(bad(format!(
                    "expected a single mapping item, but found {} items",
                    pairs.len()
                )));
            }
            let key = self.object(&pairs[0].0)?;
            let value = self.object(&pairs[0].1)?;
            if omap {
                if !key.is_hashable() {
                    return Err(YamlError::UnhashableKey);
                }
                if dict_get(&out, &key).is_some() {
                    return Err(bad("duplicate key in !!omap".to_owned()));
                }
            }
            out.push((key, value));
        }
        if omap {
            Ok(Value::OrderedDict(out))
        } else {
            Ok(Value::List(
                out.into_iter()
                    .map(|(k, v)| Value::Tuple(vec![k, v]))
                    .collect(),
            ))
        }
    }
}

/// Python `float(text)` for the texts the resolver lets through.
fn py_float(text: &str) -> Option<f64> {
    let t = text.trim_matches(py_isspace);
    if t.is_empty() || t.contains(|c: char| !c.is_ascii()) {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let body = strip_sign(&lower);
    if matches!(body, "inf" | "infinity" | "nan") {
        return t.parse().ok();
    }
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'-' | b'+'))
    {
        return None;
    }
    t.parse().ok()
}
