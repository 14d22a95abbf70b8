//! rtnetlink: requests in, reply streams out (`include/uapi/linux/netlink.h`, `rtnetlink.h`).

use alloc::vec::Vec;

use linux_abi::{Errno, SysResult};

pub const AF_NETLINK: u32 = 16;
pub const NETLINK_ROUTE: u32 = 0;
pub const NLMSG_HDRLEN: usize = 16;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLM_F_REQUEST: u16 = 0x01;
pub const NLM_F_MULTI: u16 = 0x02;
pub const NLM_F_ACK: u16 = 0x04;
pub const NLM_F_DUMP: u16 = 0x300;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_GETADDR: u16 = 22;
pub const RTM_GETROUTE: u16 = 26;

/// A parsed netlink message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub len: u32,
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(o..o + 4)?.try_into().ok()?))
}

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(o..o + 2)?.try_into().ok()?))
}

pub fn parse_header(b: &[u8]) -> Option<Header> {
    Some(Header { len: u32_at(b, 0)?, kind: u16_at(b, 4)?, flags: u16_at(b, 6)?, seq: u32_at(b, 8)?, pid: u32_at(b, 12)? })
}

fn push_header(out: &mut Vec<u8>, len: u32, kind: u16, flags: u16, seq: u32, pid: u32) {
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&flags.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&pid.to_ne_bytes());
}

/// NLMSG_DONE ending a dump (its payload is the int 0).
fn done(out: &mut Vec<u8>, seq: u32, pid: u32) {
    push_header(out, NLMSG_HDRLEN as u32 + 4, NLMSG_DONE, NLM_F_MULTI, seq, pid);
    out.extend_from_slice(&0i32.to_ne_bytes());
}

/// NLMSG_ERROR carrying `-errno` (0 = ACK) and the offending header.
fn error(out: &mut Vec<u8>, errno: i32, req: &[u8], h: &Header, pid: u32) {
    push_header(out, (NLMSG_HDRLEN * 2 + 4) as u32, NLMSG_ERROR, 0, h.seq, pid);
    out.extend_from_slice(&(-errno).to_ne_bytes());
    out.extend_from_slice(&req[..NLMSG_HDRLEN]);
}

/// The reply stream for the messages in `req` (one send(2)), for a socket whose port id is
/// `pid`. Dumps of links, addresses and routes list the kernel's network interfaces — there are
/// none until a network device exists, so each is just NLMSG_DONE. Anything else is answered
/// with NLMSG_ERROR EOPNOTSUPP, as a kernel without that family handler would.
pub fn respond(req: &[u8], pid: u32) -> SysResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + NLMSG_HDRLEN <= req.len() {
        let h = parse_header(&req[at..]).ok_or(Errno::EINVAL)?;
        let len = h.len as usize;
        if len < NLMSG_HDRLEN || at + len > req.len() {
            return Err(Errno::EINVAL);
        }
        let msg = &req[at..at + len];
        if h.flags & NLM_F_REQUEST != 0 {
            match h.kind {
                RTM_GETLINK | RTM_GETADDR | RTM_GETROUTE if h.flags & NLM_F_DUMP == NLM_F_DUMP => {
                    done(&mut out, h.seq, pid);
                }
                _ => error(&mut out, Errno::EOPNOTSUPP.0, msg, &h, pid),
            }
        }
        at += (len + 3) & !3;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump_request(kind: u16, seq: u32) -> Vec<u8> {
        let mut r = Vec::new();
        push_header(&mut r, 20, kind, NLM_F_REQUEST | NLM_F_DUMP, seq, 0);
        r.extend_from_slice(&[0, 0, 0, 0]); // struct rtgenmsg + padding
        r
    }

    #[test]
    fn link_dump_with_no_interfaces_is_just_done() {
        let out = respond(&dump_request(RTM_GETLINK, 1), 42).unwrap();
        let h = parse_header(&out).unwrap();
        assert_eq!(h, Header { len: 20, kind: NLMSG_DONE, flags: NLM_F_MULTI, seq: 1, pid: 42 });
        assert_eq!(out.len(), 20);
    }

    #[test]
    fn unknown_requests_get_an_error() {
        let mut r = Vec::new();
        push_header(&mut r, 16, 99, NLM_F_REQUEST | NLM_F_ACK, 7, 0);
        let out = respond(&r, 1).unwrap();
        let h = parse_header(&out).unwrap();
        assert_eq!((h.kind, h.seq), (NLMSG_ERROR, 7));
        assert_eq!(i32::from_ne_bytes(out[16..20].try_into().unwrap()), -Errno::EOPNOTSUPP.0);
    }

    #[test]
    fn malformed_lengths_are_einval() {
        let mut r = dump_request(RTM_GETADDR, 2);
        r[0] = 200;
        assert_eq!(respond(&r, 1), Err(Errno::EINVAL));
        assert_eq!(respond(&[1, 2, 3], 1), Ok(Vec::new()));
    }
}
