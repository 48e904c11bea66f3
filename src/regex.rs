//! A small linear-time regular-expression engine for `$regex` / `$regexi` conditions.
//!
//! It reads JavaScript regex syntax (what GrowthBook users write) — literals, `.`, classes with
//! ranges and negation, `\d \w \s \b` and their negations, escapes (`\n`, `\xHH`, `\uHHHH` …),
//! anchors, groups (`(…)`, `(?:…)`, `(?<name>…)`), alternation, and the quantifiers `* + ? {n}
//! {n,} {n,m}` (greedy or lazy: the same for a yes/no match). Backreferences and lookaround need
//! backtracking, so they are refused at compile time with a clear message.
//!
//! Patterns are parsed where configs are compiled (the `compiler` feature): a runtime config
//! carries each one as its program ([`Regex::to_program`]), which the widget reads back with
//! [`Regex::from_program`], so the shopper's bundle has no parser.
//!
//! Matching runs a Pike VM over the compiled program: time is O(text × program), never
//! exponential, whatever the pattern (`^(a+)+$` included). It is a few KB of wasm where a
//! general-purpose engine costs tens.

/// Longest pattern accepted, in characters.
pub const MAX_PATTERN: usize = 1000;
/// Most instructions a compiled pattern may have (bounds `{n,m}` expansion).
pub const MAX_PROGRAM: usize = 10_000;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    prog: Vec<Inst>,
    icase: bool,
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    Any,
    Class { ranges: Vec<(char, char)>, negated: bool },
    Split(usize, usize),
    Jmp(usize),
    Start,
    End,
    WordBoundary(bool),
    Match,
}

#[cfg(feature = "compiler")]
#[derive(Debug, Clone)]
enum Node {
    Empty,
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    WordBoundary(bool),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

#[cfg(feature = "compiler")]
const DIGIT: &[(char, char)] = &[('0', '9')];
#[cfg(feature = "compiler")]
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
#[cfg(feature = "compiler")]
const SPACE: &[(char, char)] = &[
    ('\t', '\r'),
    (' ', ' '),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{feff}', '\u{feff}'),
];
/// What `.` does not match in JavaScript (no `s` flag).
const LINE_TERMINATORS: &[char] = &['\n', '\r', '\u{2028}', '\u{2029}'];

/// The complement of sorted, non-overlapping ranges.
#[cfg(feature = "compiler")]
fn complement(ranges: &[(char, char)]) -> Vec<(char, char)> {
    let mut out = Vec::new();
    let mut next = Some('\0');
    for &(lo, hi) in ranges {
        if let Some(n) = next.filter(|n| lo > *n) {
            out.push((n, prev_char(lo)));
        }
        next = (hi != char::MAX).then(|| next_char(hi));
    }
    if let Some(n) = next {
        out.push((n, char::MAX));
    }
    out
}

#[cfg(feature = "compiler")]
fn next_char(c: char) -> char {
    match c {
        '\u{d7ff}' => '\u{e000}',
        char::MAX => char::MAX,
        c => char::from_u32(c as u32 + 1).unwrap_or(char::MAX),
    }
}

#[cfg(feature = "compiler")]
fn prev_char(c: char) -> char {
    match c {
        '\u{e000}' => '\u{d7ff}',
        '\0' => '\0',
        c => char::from_u32(c as u32 - 1).unwrap_or('\0'),
    }
}

#[cfg(feature = "compiler")]
struct Parser {
    s: Vec<char>,
    i: usize,
}

#[cfg(feature = "compiler")]
type Parsed<T> = Result<T, String>;

#[cfg(feature = "compiler")]
impl Parser {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    fn alternation(&mut self, depth: usize) -> Parsed<Node> {
        if depth > 100 {
            return Err("groups nest too deeply".into());
        }
        let mut alts = vec![self.concat(depth)?];
        while self.eat('|') {
            alts.push(self.concat(depth)?);
        }
        Ok(if alts.len() == 1 { alts.pop().unwrap_or(Node::Empty) } else { Node::Alt(alts) })
    }

    fn concat(&mut self, depth: usize) -> Parsed<Node> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom(depth)?;
            items.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(items))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect::<String>().parse().ok()
    }

    /// `{n}`, `{n,}`, `{n,m}` at the cursor; anything else leaves the cursor and gives `None`
    /// (JavaScript then reads `{` as a literal).
    fn braces(&mut self) -> Parsed<Option<(u32, Option<u32>)>> {
        let save = self.i;
        self.i += 1;
        let Some(min) = self.number() else {
            self.i = save;
            return Ok(None);
        };
        let max = if self.eat(',') {
            if self.peek() == Some('}') {
                None
            } else {
                self.number().map(Some).unwrap_or(Some(u32::MAX))
            }
        } else {
            Some(min)
        };
        if !self.eat('}') || max == Some(u32::MAX) {
            self.i = save;
            return Ok(None);
        }
        if max.is_some_and(|m| m < min) {
            return Err("numbers out of order in {} quantifier".into());
        }
        Ok(Some((min, max)))
    }

    fn quantified(&mut self, atom: Node) -> Parsed<Node> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => match self.braces()? {
                Some(q) => {
                    self.i -= 1; // re-consumed below with the other quantifiers
                    q
                }
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        self.i += 1;
        if matches!(atom, Node::Start | Node::End | Node::WordBoundary(_) | Node::Empty) {
            return Err("nothing to repeat".into());
        }
        self.eat('?'); // lazy: same answer for a yes/no match
        if matches!(self.peek(), Some('*' | '+' | '?')) {
            return Err("nothing to repeat".into());
        }
        Ok(Node::Repeat(Box::new(atom), min, max))
    }

    fn atom(&mut self, depth: usize) -> Parsed<Node> {
        let c = self.peek().ok_or("unexpected end")?;
        self.i += 1;
        Ok(match c {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '*' | '+' | '?' => return Err("nothing to repeat".into()),
            '(' => {
                if self.eat('?') {
                    match self.peek() {
                        Some(':') => self.i += 1,
                        Some('<') if !matches!(self.s.get(self.i + 1), Some('=' | '!')) => {
                            while self.peek().is_some_and(|c| c != '>') {
                                self.i += 1;
                            }
                            if !self.eat('>') {
                                return Err("unterminated group name".into());
                            }
                        }
                        _ => return Err("lookaround is not supported (it needs backtracking)".into()),
                    }
                }
                let inner = self.alternation(depth + 1)?;
                if !self.eat(')') {
                    return Err("missing )".into());
                }
                inner
            }
            ')' => return Err("unmatched )".into()),
            '[' => self.class()?,
            '\\' => self.escape(false)?,
            c => Node::Char(c),
        })
    }

    fn hex(&mut self, n: usize) -> Option<char> {
        let digits: String = self.s.get(self.i..self.i + n)?.iter().collect();
        let code = crate::text::hex(digits.as_bytes())?;
        self.i += n;
        char::from_u32(code)
    }

    /// After a `\`. In a class, `\b` is a backspace and assertions are not allowed.
    fn escape(&mut self, in_class: bool) -> Parsed<Node> {
        let c = self.peek().ok_or("\\ at end of pattern")?;
        self.i += 1;
        let class = |r: &[(char, char)], negated| Node::Class(r.to_vec(), negated);
        Ok(match c {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            'b' if in_class => Node::Char('\u{8}'),
            'b' => Node::WordBoundary(true),
            'B' if !in_class => Node::WordBoundary(false),
            'n' => Node::Char('\n'),
            'r' => Node::Char('\r'),
            't' => Node::Char('\t'),
            'v' => Node::Char('\u{b}'),
            'f' => Node::Char('\u{c}'),
            '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => Node::Char('\0'),
            '1'..='9' => return Err("backreferences are not supported (they need backtracking)".into()),
            'x' => Node::Char(self.hex(2).unwrap_or('x')),
            'u' => Node::Char(self.hex(4).unwrap_or('u')),
            'c' => match self.peek().filter(char::is_ascii_alphabetic) {
                Some(l) => {
                    self.i += 1;
                    Node::Char(char::from(l as u8 % 32))
                }
                None => Node::Char('\\'),
            },
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Parsed<Node> {
        let negated = self.eat('^');
        let mut ranges: Vec<(char, char)> = Vec::new();
        loop {
            let c = self.peek().ok_or("missing ] in character class")?;
            self.i += 1;
            if c == ']' {
                break;
            }
            let lo = if c == '\\' {
                match self.escape(true)? {
                    Node::Char(ch) => ch,
                    Node::Class(r, neg) => {
                        ranges.extend(if neg { complement(&r) } else { r });
                        continue;
                    }
                    _ => return Err("bad escape in class".into()),
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|&n| n != ']') {
                self.i += 1;
                let h = self.peek().ok_or("missing ] in character class")?;
                self.i += 1;
                let hi = if h == '\\' {
                    match self.escape(true)? {
                        Node::Char(ch) => ch,
                        _ => return Err("a class like \\d cannot end a range".into()),
                    }
                } else {
                    h
                };
                if hi < lo {
                    return Err("range out of order in character class".into());
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        crate::sort::sort_by(&mut ranges, |a, b| a.cmp(b));
        let mut merged: Vec<(char, char)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if lo <= next_char(last.1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        Ok(Node::Class(merged, negated))
    }
}

#[cfg(feature = "compiler")]
struct Compiler {
    prog: Vec<Inst>,
}

#[cfg(feature = "compiler")]
impl Compiler {
    fn emit(&mut self, inst: Inst) -> Parsed<usize> {
        if self.prog.len() >= MAX_PROGRAM {
            return Err(format!("pattern too large (over {MAX_PROGRAM} instructions)"));
        }
        self.prog.push(inst);
        Ok(self.prog.len() - 1)
    }

    fn node(&mut self, n: &Node) -> Parsed<()> {
        match n {
            Node::Empty => {}
            Node::Char(c) => drop(self.emit(Inst::Char(*c))?),
            Node::Any => drop(self.emit(Inst::Any)?),
            Node::Class(r, neg) => drop(self.emit(Inst::Class { ranges: r.clone(), negated: *neg })?),
            Node::Start => drop(self.emit(Inst::Start)?),
            Node::End => drop(self.emit(Inst::End)?),
            Node::WordBoundary(b) => drop(self.emit(Inst::WordBoundary(*b))?),
            Node::Concat(items) => {
                for i in items {
                    self.node(i)?;
                }
            }
            Node::Alt(alts) => {
                let mut jumps = Vec::new();
                for (k, alt) in alts.iter().enumerate() {
                    if k + 1 < alts.len() {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.node(alt)?;
                        jumps.push(self.emit(Inst::Jmp(0))?);
                        let next = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, next);
                    } else {
                        self.node(alt)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.prog[j] = Inst::Jmp(end);
                }
            }
            Node::Repeat(body, min, max) => {
                for _ in 0..*min {
                    self.node(body)?;
                }
                match max {
                    None => {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.node(body)?;
                        self.emit(Inst::Jmp(split))?;
                        let end = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, end);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.emit(Inst::Split(0, 0))?);
                            self.node(body)?;
                        }
                        let end = self.prog.len();
                        for s in splits {
                            self.prog[s] = Inst::Split(s + 1, end);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn is_word(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
}

use crate::case::{lower as fold, upper};

impl Regex {
    /// Compiles `pattern` (JavaScript syntax); `insensitive` is the `i` flag.
    ///
    /// ```
    /// use shopcue::regex::Regex;
    /// assert!(Regex::new("^(mobile|tablet)", true).unwrap().is_match("Tablet; Android"));
    /// assert!(Regex::new("(a)\\1", false).is_err()); // backreference: needs backtracking
    /// ```
    #[cfg(feature = "compiler")]
    pub fn new(pattern: &str, insensitive: bool) -> Result<Regex, String> {
        if pattern.chars().count() > MAX_PATTERN {
            return Err(format!("pattern longer than {MAX_PATTERN} characters"));
        }
        let mut p = Parser { s: pattern.chars().collect(), i: 0 };
        let ast = p.alternation(0)?;
        if p.i != p.s.len() {
            return Err("unmatched )".into());
        }
        let mut c = Compiler { prog: Vec::new() };
        c.node(&ast)?;
        c.emit(Inst::Match)?;
        let mut prog = c.prog;
        if insensitive {
            for inst in &mut prog {
                if let Inst::Char(ch) = inst {
                    *ch = fold(*ch);
                }
            }
        }
        Ok(Regex { prog, icase: insensitive })
    }

    /// The compiled program as numbers, for a runtime config: the widget reads it back with
    /// [`Regex::from_program`] and so carries no regex parser. The `i` flag (0 or 1) comes
    /// first, then each instruction as its code and operands: `0 c` a character, `1` any,
    /// `2 negated n lo hi …` a class of `n` ranges, `3 a b` split, `4 a` jump, `5` start,
    /// `6` end, `7 want` a word boundary, `8` match.
    ///
    /// ```
    /// use shopcue::regex::Regex;
    /// let re = Regex::new("^sale-\\d+$", true).unwrap();
    /// let again = Regex::from_program(&re.to_program()).unwrap();
    /// assert!(again.is_match("SALE-42") && !again.is_match("sale-"));
    /// ```
    #[cfg(feature = "compiler")]
    pub fn to_program(&self) -> Vec<u32> {
        let mut out = vec![u32::from(self.icase)];
        for inst in &self.prog {
            match inst {
                Inst::Char(c) => out.extend([0, *c as u32]),
                Inst::Any => out.push(1),
                Inst::Class { ranges, negated } => {
                    out.extend([2, u32::from(*negated), ranges.len() as u32]);
                    out.extend(ranges.iter().flat_map(|&(lo, hi)| [lo as u32, hi as u32]));
                }
                Inst::Split(a, b) => out.extend([3, *a as u32, *b as u32]),
                Inst::Jmp(a) => out.extend([4, *a as u32]),
                Inst::Start => out.push(5),
                Inst::End => out.push(6),
                Inst::WordBoundary(want) => out.extend([7, u32::from(*want)]),
                Inst::Match => out.push(8),
            }
        }
        out
    }

    /// Reads a program written by [`Regex::to_program`]. `None` unless it is well formed: known
    /// codes, real characters, at most [`MAX_PROGRAM`] instructions, every jump inside the
    /// program and `match` last (so that matching can never step outside it).
    pub fn from_program(numbers: &[u32]) -> Option<Regex> {
        let (&icase, mut rest) = numbers.split_first()?;
        let mut take = || {
            let (&n, tail) = rest.split_first()?;
            rest = tail;
            Some(n)
        };
        let mut prog = Vec::new();
        while let Some(code) = take() {
            let ch = |n: Option<u32>| n.and_then(char::from_u32);
            prog.push(match code {
                0 => Inst::Char(ch(take())?),
                1 => Inst::Any,
                2 => {
                    let negated = take()? == 1;
                    let n = take()?;
                    let ranges = (0..n).map(|_| Some((ch(take())?, ch(take())?))).collect::<Option<Vec<_>>>()?;
                    Inst::Class { ranges, negated }
                }
                3 => Inst::Split(take()? as usize, take()? as usize),
                4 => Inst::Jmp(take()? as usize),
                5 => Inst::Start,
                6 => Inst::End,
                7 => Inst::WordBoundary(take()? == 1),
                8 => Inst::Match,
                _ => return None,
            });
        }
        let n = prog.len();
        let inside = |inst: &Inst| match *inst {
            Inst::Split(a, b) => a < n && b < n,
            Inst::Jmp(a) => a < n,
            _ => true,
        };
        (n <= MAX_PROGRAM && matches!(prog.last(), Some(Inst::Match)) && prog.iter().all(inside))
            .then_some(Regex { prog, icase: icase == 1 })
    }

    /// `true` if the pattern matches anywhere in `text` (JavaScript's `RegExp.test`).
    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let n = self.prog.len();
        let mut current: Vec<usize> = Vec::with_capacity(n);
        let mut next: Vec<usize> = Vec::with_capacity(n);
        let mut carried: Vec<usize> = Vec::with_capacity(n);
        let mut seen = vec![usize::MAX; n];
        let mut stack = Vec::new();
        for at in 0..=chars.len() {
            // Threads for this position: those carried over, plus a new one starting here (the
            // three lists keep their buffers from position to position).
            std::mem::swap(&mut carried, &mut current);
            current.clear();
            for pc in carried.iter().copied().chain(std::iter::once(0)) {
                if self.add(pc, at, &chars, &mut seen, &mut current, &mut stack) {
                    return true;
                }
            }
            let Some(&c) = chars.get(at) else { break };
            let folded = if self.icase { fold(c) } else { c };
            next.clear();
            for &pc in &current {
                let step = match &self.prog[pc] {
                    Inst::Char(want) => *want == folded,
                    Inst::Any => !LINE_TERMINATORS.contains(&c),
                    Inst::Class { ranges, negated } => self.in_class(ranges, c) != *negated,
                    _ => false,
                };
                if step {
                    next.push(pc + 1);
                }
            }
            std::mem::swap(&mut current, &mut next);
            // `seen` marks are per position: `at + 1` is a fresh generation.
        }
        false
    }

    fn in_class(&self, ranges: &[(char, char)], c: char) -> bool {
        let hit = |x: char| ranges.iter().any(|&(lo, hi)| lo <= x && x <= hi);
        hit(c) || (self.icase && (hit(fold(c)) || hit(upper(c))))
    }

    /// Follows empty transitions from `pc` at position `at`, adding the threads that wait
    /// on a character to `list`. Returns `true` when `Match` is reachable.
    fn add(
        &self,
        pc: usize,
        at: usize,
        chars: &[char],
        seen: &mut [usize],
        list: &mut Vec<usize>,
        stack: &mut Vec<usize>,
    ) -> bool {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if seen[pc] == at {
                continue;
            }
            seen[pc] = at;
            match &self.prog[pc] {
                Inst::Match => return true,
                Inst::Jmp(t) => stack.push(*t),
                Inst::Split(a, b) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Inst::Start if at == 0 => stack.push(pc + 1),
                Inst::End if at == chars.len() => stack.push(pc + 1),
                Inst::WordBoundary(want) => {
                    let boundary = is_word(at.checked_sub(1).and_then(|i| chars.get(i))) != is_word(chars.get(at));
                    if boundary == *want {
                        stack.push(pc + 1);
                    }
                }
                Inst::Start | Inst::End => {}
                _ => list.push(pc),
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::Regex;

    /// Matches, and checks that the program a runtime config carries matches the same.
    fn m(p: &str, t: &str) -> bool {
        let re = Regex::new(p, false).unwrap_or_else(|e| panic!("{p}: {e}"));
        let read_back = Regex::from_program(&re.to_program()).unwrap_or_else(|| panic!("{p}: program not read back"));
        assert_eq!(format!("{re:?}"), format!("{read_back:?}"), "{p}");
        re.is_match(t)
    }

    #[test]
    fn a_program_is_read_back_only_when_well_formed() {
        let good = Regex::new("^[a-c]x*\\b", true).unwrap().to_program();
        assert!(Regex::from_program(&good).unwrap().is_match("BXX"));
        let mut bad: Vec<Vec<u32>> = vec![
            vec![],                // no flag
            vec![0],               // no instruction: no match at the end
            vec![0, 9, 8],         // unknown code
            vec![0, 0, 0xD800, 8], // not a character
            vec![0, 4, 5, 8],      // a jump outside the program
            vec![0, 3, 0, 2, 8],   // a split outside the program
            vec![0, 0, 97],        // does not end with match
            vec![0, 2, 0, 2, 97],  // a class cut short
        ];
        bad.push([0].into_iter().chain(std::iter::repeat_n(1, super::MAX_PROGRAM)).chain([8]).collect()); // too long
        for p in &bad {
            assert!(Regex::from_program(p).is_none(), "{p:?}");
        }
        assert!(Regex::from_program(&good[..good.len() - 1]).is_none(), "cut short");
    }

    #[test]
    fn matches_like_javascript() {
        for (p, t, want) in [
            ("^hello", "hello world", true),
            ("^hello", "say hello", false),
            ("-12-25$", "2024-12-25", true),
            ("-12-25$", "2024-12-25\n", false),
            ("(Mobile|Tablet)", "iPad Tablet", true),
            ("colou?r", "color", true),
            ("^a{2,3}$", "aaa", true),
            ("^a{2,3}$", "aaaa", false),
            ("^a{2}$", "aa", true),
            ("^x{1,}$", "xxxx", true),
            ("a{,2}", "a{,2}", true),
            ("^[a-c]+\\d$", "abca7", true),
            ("^[^0-9]+$", "abc", true),
            ("^[^0-9]+$", "ab1", false),
            ("\\bcat\\b", "a cat!", true),
            ("\\bcat\\b", "concat", false),
            ("^.$", "\n", false),
            ("^\\s*$", " \t\u{3000}", true),
            ("[\\d.]+円", "価格 1.980円", true),
            ("^(?:ab)+$", "ababab", true),
            ("^(?<y>\\d{4})-\\d\\d$", "2026-11", true),
            ("a|", "zzz", true),
            ("\\x41\\u3042", "Aあ", true),
            ("[]", "anything", false),
            ("a.*?b", "a---b", true),
            ("^[\\D]+$", "abc", true),
            ("^[\\D]+$", "ab5", false),
            ("^[\\W\\d]+$", "-5 !", true),
            ("^[^\\s]$", "\u{10FFFF}", true),
        ] {
            assert_eq!(m(p, t), want, "/{p}/.test({t:?})");
        }
    }

    #[test]
    fn case_insensitive() {
        let r = Regex::new("^(mobile|TABLET)[a-z]*$", true).unwrap();
        assert!(r.is_match("MOBILEphone"));
        assert!(r.is_match("tabletXYZ"));
        assert!(Regex::new("straße", true).unwrap().is_match("STRAßE"));
    }

    #[test]
    fn refuses_what_needs_backtracking_and_bad_syntax() {
        for p in ["(a)\\1", "(?=a)", "(?!a)", "(?<=a)b", "/???***[)", "a**", "(", ")", "[a", "*a", "a{3,1}", "[z-a]"] {
            assert!(Regex::new(p, false).is_err(), "{p} should not compile");
        }
        assert!(Regex::new(&"a{1000}".repeat(20), false).is_err(), "bounded program size");
    }

    #[test]
    fn linear_time_on_catastrophic_patterns() {
        let text = format!("{}!", "a".repeat(20_000));
        for p in ["^(a+)+$", "^(a|a)*$", "^(a*)*b$", "(x+x+)+y"] {
            assert!(!m(p, &text), "{p}");
        }
    }
}
