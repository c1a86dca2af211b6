/**
 * Word lists the synthetic prompts are drawn from. Image prompts follow the shape of the
 * reference subnet's (subject, setting, style and a few modifiers, from a short phrase to a long
 * descriptive one); LLM prompts are questions and instructions over many topics, and chats
 * are several turns with a system prompt.
 */
export const SUBJECTS = [
  'a lighthouse',
  'an old fisherman',
  'a red fox',
  'a glass teapot',
  'a mountain village',
  'a vintage motorcycle',
  'a robot gardener',
  'a field of sunflowers',
  'a sleeping cat',
  'a wooden sailboat',
  'a medieval castle',
  'a street market',
  'a snowy owl',
  'a bowl of ramen',
  'a desert caravan',
  'a jazz trio',
] as const;

export const SETTINGS = [
  'at dusk',
  'in heavy rain',
  'under a starry sky',
  'on a foggy morning',
  'in a neon-lit alley',
  'beside a frozen lake',
  'in a sunlit kitchen',
  'on a windswept cliff',
  'in a crowded train station',
  'among autumn trees',
] as const;

export const STYLES = [
  'oil painting',
  'watercolor',
  'photograph, 35mm',
  'digital art',
  'pencil sketch',
  'isometric 3d render',
  'ukiyo-e woodblock print',
  'pixel art',
  'studio portrait',
  'charcoal drawing',
] as const;

export const MODIFIERS = [
  'highly detailed',
  'soft lighting',
  'dramatic shadows',
  'wide angle',
  'muted colors',
  'vibrant colors',
  'shallow depth of field',
  'symmetrical composition',
  'golden hour',
  'film grain',
  'minimalist',
  'intricate patterns',
] as const;

export const NEGATIVES = [
  '',
  '',
  'blurry',
  'low quality',
  'text, watermark',
  'extra limbs',
] as const;

export const TOPICS = [
  'photosynthesis',
  'the history of the printing press',
  'how vaccines work',
  'compound interest',
  'the water cycle',
  'black holes',
  'the rules of chess',
  'baking sourdough bread',
  'how a bicycle stays upright',
  'the French revolution',
  'binary search',
  'plate tectonics',
  'how to write a haiku',
  'the immune system',
  'renewable energy',
  'the Roman aqueducts',
] as const;

export const INSTRUCTIONS = [
  'Explain {topic} to a ten year old.',
  'Write a short paragraph about {topic}.',
  'What are three common misconceptions about {topic}?',
  'Summarize {topic} in two sentences.',
  'Give a step by step overview of {topic}.',
  'Why does {topic} matter?',
  'Write a limerick about {topic}.',
  'List the key facts about {topic}.',
] as const;

export const COMPLETION_OPENINGS = [
  'Once upon a time, in a village by the sea,',
  'The most important thing to know about {topic} is',
  'Dear diary, today I learned about {topic} and',
  'In this article we will look at {topic}. First,',
  'The recipe begins with',
  'Chapter one. The storm had not yet reached',
  'Q: What is {topic}?\nA:',
] as const;

export const SYSTEM_PROMPTS = [
  'You are a helpful assistant.',
  'You are a patient teacher who answers in plain words.',
  'You are terse. Answer in as few words as possible.',
  'You are a creative writer.',
  'You are an expert who cites the key facts.',
] as const;

export const FOLLOW_UPS = [
  'Can you say more?',
  'Give me an example.',
  'Make it shorter.',
  'Why is that?',
  'Now explain it differently.',
  'What else should I know?',
] as const;

export const ASSISTANT_REPLIES = [
  'Sure. In short, it is a process with a few clear steps.',
  'Here is a brief answer: it depends on the conditions.',
  'Good question. The main idea is simple.',
  'Of course. Let me start with the basics.',
] as const;
