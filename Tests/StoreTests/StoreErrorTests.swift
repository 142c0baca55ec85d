import Testing
@testable import Store

@Suite struct StoreErrorTests {
    @Test("errors compare equal on their kind only")
    func equalOnKind() {
        #expect(StoreError.duplicate("a") == StoreError.duplicate("b"))
        #expect(StoreError.duplicate("a") != StoreError.notFound)
    }
}
