// IP address and CIDR parsing: address, block, membership and masking. Two parts separated by a NUL byte.
import FuzzSupport
@testable import FCGIHost

runFuzzer { bytes in
    let p = parts(of: bytes, count: 2)
    let address = IPAddress(text(p[0]))
    let block = CIDR(text(p[1]))
    if let address {
        _ = address.description
        _ = address.isLoopback
        for length in [0, 1, 7, 8, 31, 32, 63, 64, 127, 128] { _ = address.masked(prefixLength: length) }
        if let block { _ = block.contains(address) }
    }
    if let block {
        _ = block.description
        // What a block prints parses back to the same block.
        precondition(CIDR(block.description) == block, "\(block) does not round-trip")
    }
    _ = [CIDR("10.0.0.0/8")!, CIDR("::1")!].contains(address: text(p[0]))
}
