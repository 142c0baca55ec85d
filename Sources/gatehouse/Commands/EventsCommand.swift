import FCGIHost
import Store
import Webhooks

/// `gatehouse events tail [--type T]`: prints events as they are written, one JSON object a line, until interrupted.
enum EventsCommand {
    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        guard options.rest.first == "tail" else { throw CLI.UsageError(message: "events needs a subcommand: tail") }
        options.rest.removeFirst()
        let type = try options.take("--type")
        try options.expectNoMore()
        if let type, EventType(rawValue: type) == nil {
            throw CLI.UsageError(message: "unknown event type \"\(type)\"")
        }
        let config = try options.loadConfig(environment: environment)
        let events = Events(db: try Database.open(url: config.databaseURL, createIfMissing: false))
        StopSignals.takeOver()
        var seq = try events.lastSeq()
        var output = StandardOutputStream()
        while !StopSignals.received(waiting: 500) {
            for event in try events.after(seq: seq, type: type) {
                print(event.body, to: &output)
                seq = event.seq
            }
        }
        return 0
    }
}
