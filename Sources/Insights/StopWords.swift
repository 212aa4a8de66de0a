/// English stop words for keyword extraction (the common function words of scikit-learn's and NLTK's lists,
/// written without apostrophes because the tokenizer drops them: "dont", "cant"). Particles of phrasal verbs
/// ("up", "out", "off", "down", "over") are kept: "top up" and "cash out" are intents.
enum StopWords {
    static let english: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "arent",
        "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
        "cant", "cannot", "could", "couldnt", "did", "didnt", "do", "does", "doesnt", "doing", "dont",
        "during", "each", "either", "else", "ever", "every", "few", "for", "from", "further", "get", "got", "had",
        "hadnt", "has", "hasnt", "have", "havent", "having", "he", "hed", "hell", "her", "here", "heres", "hers",
        "herself", "hes", "him", "himself", "his", "how", "hows", "however", "i", "id", "if", "ill", "im", "in",
        "into", "is", "isnt", "it", "its", "itself", "ive", "just", "let", "lets", "like", "may", "me", "might",
        "more", "most", "much", "must", "mustnt", "my", "myself", "need", "no", "nor", "not", "now", "of",
        "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "own", "please",
        "same", "shall", "shant", "she", "shed", "shell", "shes", "should", "shouldnt", "so", "some", "still",
        "such", "than", "that", "thats", "the", "their", "theirs", "them", "themselves", "then", "there", "theres",
        "these", "they", "theyd", "theyll", "theyre", "theyve", "this", "those", "though", "through", "to", "too",
        "under", "until", "upon", "us", "very", "want", "was", "wasnt", "we", "wed", "well", "were", "werent",
        "weve", "what", "whats", "when", "whens", "where", "wheres", "whether", "which", "while", "who", "whom",
        "whos", "why", "whys", "will", "with", "within", "without", "wont", "would", "wouldnt", "yet", "you",
        "youd", "youll", "your", "youre", "yours", "yourself", "yourselves", "youve",
    ]
}
