import Foundation

extension DemoData {
    /// The support bot's system prompts: v1 before day −15, v2 (stricter, shorter answers) after.
    static let supportPrompts: [(version: String, text: String)] = [
        (
            "support-v1",
            "You are Penny, the virtual assistant of Northwind Bank. Answer customer questions about cards, "
                + "payments, transfers and accounts. Be friendly and polite."
        ),
        (
            "support-v2",
            "You are Penny, Northwind Bank's support assistant. Answer in at most three sentences and point "
                + "to the exact place in the app when you can. Never ask for a full card number, PIN or passcode. "
                + "Offer to hand over to a human agent when you cannot solve the problem."
        ),
    ]
    /// The general assistant's system prompt (HH-RLHF, MT-Bench and Vicuna-bench conversations).
    static let assistantPrompt = (version: "assistant-v1", text: "You are a helpful, honest and harmless assistant.")

    /// Phrases that mark an assistant turn as a refusal or deflection (for the feedback it attracts).
    static let refusalMarkers = [
        "i'm sorry", "i am sorry", "i can't", "i cannot", "i won't", "i'm not able", "i am not able",
        "not comfortable", "i'd rather not", "i don't think i should", "i'm not sure that's", "that's not something",
    ]

    /// Seconds before `now` at which a conversation starts: day `d` (0 = today) is drawn with weight growing
    /// from 1 (day −29) to 2 (today); at least an hour ago, so every message lies in the past.
    static func secondsAgo(using random: inout DemoRandom) -> TimeInterval {
        let weights = (0..<30).map { 1.0 + Double(29 - $0) / 29.0 }
        var draw = random.unit() * weights.reduce(0, +)
        var day = 29
        for (d, weight) in weights.enumerated() {
            if draw < weight {
                day = d
                break
            }
            draw -= weight
        }
        return Double(day * 86_400) + 3_600 + random.unit() * (86_400 - 3_600)
    }

    /// Dates, attributes and (sometimes) feedback for one seed conversation.
    static func conversation(
        _ demo: DemoSeed, index: Int, now: Date, secondsAgo: TimeInterval, random: inout DemoRandom
    ) -> JSONValue {
        let daysAgo = secondsAgo / 86_400
        let startedAt = now.addingTimeInterval(-secondsAgo)
        let model: String
        if daysAgo > 13 {
            model = olderModel
        } else if daysAgo < 11 {
            model = newerModel
        } else {
            model = random.chance(0.5) ? olderModel : newerModel
        }
        let prompt = demo.isSupport ? supportPrompts[daysAgo >= 15 ? 0 : 1] : assistantPrompt

        // A few heavy users and a long tail: squaring a uniform draw skews towards low numbers.
        let pool = demo.isSupport ? 320 : 180
        let userNumber = Int(random.unit() * random.unit() * Double(pool))
        let user = (demo.isSupport ? "cust-" : "user-") + String(1000 + userNumber)
        // A user's conversations on the same day share a session.
        let session = "sess-" + String(fnv1a("\(user)|\(Int(daysAgo))"), radix: 16)

        var messages: [JSONValue] = [.object(["role": .string("system"), "content": .string(prompt.text)])]
        var time = startedAt
        for (i, turn) in demo.turns.enumerated() {
            if i > 0 { time += turn.role == "user" ? Double(random.int(20..<180)) : Double(random.int(2..<12)) }
            messages.append(
                .object([
                    "role": .string(turn.role), "content": .string(turn.text),
                    "created_at": .string(Timestamp.format(time)),
                ]))
        }
        var object: [String: JSONValue] = [
            "id": .string("demo-\(demo.source)-\(index)"), "messages": .array(messages), "model": .string(model),
            "prompt_version": .string(prompt.version), "user_id": .string(user), "session_id": .string(session),
            "started_at": .string(Timestamp.format(startedAt)), "tags": .array([.string(demo.source)]),
            "metadata": .object(["source": .string(demo.source), "category": .string(demo.category)]),
        ]
        if let feedback = feedback(demo, promptVersion: prompt.version, random: &random) {
            object["feedback"] = feedback
        }
        return .object(object)
    }

    /// Feedback for about a third of the answered conversations: mostly thumbs, some ratings and comments,
    /// more negative after a refusal and for the first support prompt.
    static func feedback(_ demo: DemoSeed, promptVersion: String, random: inout DemoRandom) -> JSONValue? {
        guard let reply = demo.turns.last(where: { $0.role == "assistant" })?.text.lowercased() else { return nil }
        let refused = refusalMarkers.contains { reply.contains($0) }
        guard random.chance(refused ? 0.45 : 0.3) else { return nil }
        let negative: Double
        if refused {
            negative = 0.7
        } else if demo.isSupport {
            negative = promptVersion == "support-v1" ? 0.22 : 0.1
        } else {
            negative = 0.2
        }
        let up = !random.chance(negative)
        var fields: [String: JSONValue] = ["thumb": .string(up ? "up" : "down")]
        let detail = random.unit()
        if detail < 0.4 { fields["rating"] = .number(String(up ? random.int(4..<6) : random.int(1..<3))) }
        if detail < 0.15 {
            let comments =
                up
                ? ["Quick and clear, thanks!", "Exactly what I needed.", "Helpful answer."]
                : refused
                    ? ["It refused a perfectly normal request.", "Too preachy.", "Didn't answer my question."]
                    : ["Didn't answer my question.", "Too generic.", "I had to ask a human in the end."]
            fields["comment"] = .string(random.pick(comments))
        }
        return .object(fields)
    }

    /// FNV-1a, for stable ids across runs and platforms (`Hasher` is seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01B3 }
        return hash
    }
}
