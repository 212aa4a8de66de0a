-- wrk script: POST one realistic conversation (6-8 messages, about 2 KB) with a unique id per request.
local counter = 0
local threads = 0

-- Runs in the main state: give every thread its own tag so ids never collide across threads.
setup = function(thread)
  threads = threads + 1
  thread:set("thread_tag", tostring(threads) .. "-" .. tostring(os.time()))
end

local user_turns = {
  "My card payment was declined at the supermarket even though I have enough money in my account. Can you check what happened and whether my card is blocked?",
  "I moved to a new address last month. How do I update it so my replacement card is sent to the right place?",
  "There is a charge of 49.99 EUR on my statement that I do not recognise. I think it might be fraud, what should I do now?",
  "How long does a transfer to another bank take? I sent money on Friday and my landlord still has not received it.",
}
local assistant_turns = {
  "I'm sorry about the trouble. Declines usually happen for one of three reasons: a security hold after unusual activity, an expired card, or a merchant category that is restricted on your account. I can see a temporary hold was placed this morning; I have removed it, so please try again.",
  "You can update your address in the app under Profile > Personal details. Once it is verified, which usually takes a few minutes, we will send the replacement card to the new address within 3 to 5 working days.",
  "Thanks for flagging it. I have frozen the card to prevent further charges and opened a dispute for the 49.99 EUR payment. You will receive a provisional refund while we investigate, typically within 10 working days.",
  "Transfers to other banks normally arrive within one working day, but payments sent after the cut-off on Friday are processed on Monday. Your transfer left us on Monday morning, so it should arrive today.",
}

request = function()
  counter = counter + 1
  local n = 2 + (counter % 2)
  local parts = { '{"role":"system","content":"You are Nova, the support assistant of an online bank. Be concise, friendly and accurate."}' }
  for i = 1, n do
    local k = ((counter + i) % 4) + 1
    parts[#parts + 1] = '{"role":"user","content":"' .. user_turns[k] .. '"}'
    parts[#parts + 1] = '{"role":"assistant","content":"' .. assistant_turns[k] .. '"}'
  end
  local body = '{"id":"bench-' .. thread_tag .. '-' .. counter .. '","model":"gpt-4o-mini","user_id":"u' .. (counter % 500) ..
    '","metadata":{"channel":"web","locale":"en-GB"},"tags":["bench"],"messages":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", nil, nil, body)
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d duration_us=%d errors_status=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
