/**
 * Deterministic seed data for the platform database: users, a product catalogue, orders with
 * items, payments and the recommendations read model. Pure: the same options give the same data,
 * byte for byte (no clock, no Math.random, no I/O).
 *
 * The data carries structure a recommender can learn, and `SeedData.truth` keeps the hidden
 * ground truth for evaluating one:
 * - every user has a taste: a preference distribution concentrated (85–95 %) on 1–3 categories;
 * - within a category, product popularity is Zipf-like;
 * - products come in small collections (5–10 related items sharing a line name) that are bought
 *   together: an order's extra items come from the first item's collection more often than not;
 * - order counts per user are heavily skewed (gamma activity, a few heavy buyers).
 */
import { Random, WeightedTable } from './random';

export interface SeedOptions {
  seed: number;
  users: number;
  products: number;
  orders: number;
  /** The moment "now" for the data; every timestamp lies before it. Defaults to SEED_REFERENCE_NOW. */
  now?: Date;
}

export type UserSegment = 'NEW' | 'REGULAR' | 'VIP';
export type OrderStatus = 'PENDING_PAYMENT' | 'PAID' | 'REFUNDED';
export type PaymentStatus = 'PENDING' | 'AUTHORIZED' | 'CAPTURED' | 'FAILED' | 'REFUNDED';

export interface SeedUser {
  id: string;
  name: string;
  email: string;
  segment: UserSegment;
  createdAt: Date;
}

export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  /** Minor units (cents). */
  priceAmount: number;
  currency: string;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SeedOrder {
  id: string;
  userId: string;
  status: OrderStatus;
  totalAmount: number;
  currency: string;
  idempotencyKey: string;
  createdAt: Date;
}

export interface SeedOrderItem {
  id: string;
  orderId: string;
  productId: string;
  quantity: number;
  unitPriceAmount: number;
  currency: string;
}

export interface SeedPayment {
  id: string;
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  method: string;
  failureReason: string | null;
  idempotencyKey: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SeedPurchase {
  orderId: string;
  productId: string;
  userId: string;
  quantity: number;
  purchasedAt: Date;
}

/** Hidden ground truth behind the data (not written to the database). */
export interface SeedTruth {
  /** Per user: the preferred categories (strongest first) and the full preference distribution. */
  tastes: Array<{ userId: string; preferred: string[]; weights: Record<string, number>; favoriteCollections: string[] }>;
  /** Co-purchase clusters. */
  collections: Array<{ id: string; name: string; category: string; productIds: string[] }>;
  /** Popularity weight of each product within its category (Zipf). */
  popularity: Record<string, number>;
}

export interface SeedData {
  options: Required<SeedOptions>;
  users: SeedUser[];
  products: SeedProduct[];
  orders: SeedOrder[];
  orderItems: SeedOrderItem[];
  payments: SeedPayment[];
  purchases: SeedPurchase[];
  truth: SeedTruth;
}

/** The fixed "now" used when none is given, so that generateSeed stays a pure function. */
export const SEED_REFERENCE_NOW = new Date('2026-11-21T00:00:00.000Z');
export const SEED_CURRENCY = 'EUR';
export const SEED_PAYMENT_METHOD = 'card •••• 4242';

const DAY = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// Catalogue vocabulary
// ---------------------------------------------------------------------------------------------

interface CategorySpec {
  name: string;
  code: string;
  /** Share of the catalogue. */
  share: number;
  /** How likely users are to count it among their favourites. */
  appeal: number;
  /** Price: median and log-space spread in euros, clamped to [min, max]. */
  price: { median: number; sigma: number; min: number; max: number };
  /** Buys several of a kind (groceries, pet food, office supplies). */
  bulk: boolean;
  adjectives: string[];
  nouns: string[];
  variants: string[];
  blurbs: string[];
}

export const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'Books',
    code: 'BOO',
    share: 1.2,
    appeal: 1.2,
    price: { median: 16, sigma: 0.45, min: 4, max: 90 },
    bulk: false,
    adjectives: [
      'Illustrated',
      'Collected',
      'Complete',
      'Pocket',
      'Annotated',
      'Essential',
      'Modern',
      'Classic',
      'Little',
      'Practical',
      'Hidden',
      'Quiet',
    ],
    nouns: [
      'Cookbook',
      'Field Guide',
      'Atlas',
      'Novel',
      'Poetry Anthology',
      'History of Europe',
      'Travel Guide',
      'Graphic Novel',
      'Sketchbook Guide',
      'Garden Almanac',
      'Biography',
      'Short Stories',
      'Science Primer',
      'Philosophy Reader',
      'Language Course',
      'Puzzle Book',
      "Children's Picture Book",
      'Mystery Thriller',
    ],
    variants: [
      'Hardcover',
      'Paperback',
      '2nd Edition',
      'Box Set',
      'Large Print',
      'Anniversary Edition',
      'Signed Copy',
      'Volume 1',
      'Volume 2',
    ],
    blurbs: [
      'Printed on acid-free paper with a sewn binding that lies flat.',
      'Widely praised by readers and critics alike.',
      'A thoughtful companion for long evenings and short commutes.',
    ],
  },
  {
    name: 'Electronics',
    code: 'ELE',
    share: 1.1,
    appeal: 1.1,
    price: { median: 89, sigma: 0.8, min: 9, max: 1499 },
    bulk: false,
    adjectives: [
      'Wireless',
      'Smart',
      'Portable',
      'Compact',
      'Noise-Cancelling',
      'Ultra-Slim',
      'Pro',
      'Rugged',
      'Fast-Charging',
      'HD',
      'Bluetooth',
      'Ergonomic',
    ],
    nouns: [
      'Headphones',
      'Earbuds',
      'Speaker',
      'Power Bank',
      'USB-C Hub',
      'Webcam',
      'Mechanical Keyboard',
      'Mouse',
      'Monitor',
      'Tablet Stand',
      'E-Reader',
      'Action Camera',
      'Smartwatch',
      'Charging Dock',
      'SSD Drive',
      'Router',
      'Desk Lamp',
      'Soundbar',
    ],
    variants: ['Black', 'White', 'Graphite', '64 GB', '128 GB', '1 TB', 'Gen 2', 'Mini', 'Max', '2-Pack'],
    blurbs: [
      'Ships with a two-year warranty and a USB-C cable.',
      'Firmware updates keep it current for years.',
      'Low standby power and a recyclable casing.',
    ],
  },
  {
    name: 'Home & Kitchen',
    code: 'HOM',
    share: 1.2,
    appeal: 1.1,
    price: { median: 32, sigma: 0.7, min: 5, max: 450 },
    bulk: false,
    adjectives: [
      'Stainless',
      'Cast Iron',
      'Ceramic',
      'Bamboo',
      'Nordic',
      'Rustic',
      'Non-Stick',
      'Glass',
      'Oak',
      'Enamel',
      'Stackable',
      'Linen',
    ],
    nouns: [
      'Frying Pan',
      'Chef Knife',
      'Cutting Board',
      'Dutch Oven',
      'Mixing Bowl Set',
      'French Press',
      'Kettle',
      'Tea Towel Set',
      'Storage Jars',
      'Dinner Plates',
      'Coffee Mugs',
      'Spice Rack',
      'Salad Spinner',
      'Bread Bin',
      'Toaster',
      'Blender',
      'Throw Blanket',
      'Table Lamp',
    ],
    variants: ['Small', 'Medium', 'Large', 'Set of 4', 'Set of 6', '24 cm', '28 cm', 'Sage', 'Charcoal', 'Cream'],
    blurbs: [
      'Dishwasher safe and built for everyday use.',
      'Designed to look good on an open shelf.',
      'Made to last, with a lifetime of meals in mind.',
    ],
  },
  {
    name: 'Sports & Outdoors',
    code: 'SPO',
    share: 1.0,
    appeal: 1.0,
    price: { median: 45, sigma: 0.75, min: 6, max: 650 },
    bulk: false,
    adjectives: [
      'Alpine',
      'Trail',
      'Lightweight',
      'Waterproof',
      'Insulated',
      'Carbon',
      'Ultralight',
      'Breathable',
      'Folding',
      'Reflective',
      'Thermal',
      'Compact',
    ],
    nouns: [
      'Trekking Poles',
      'Backpack',
      'Tent',
      'Sleeping Bag',
      'Headlamp',
      'Water Bottle',
      'Yoga Mat',
      'Running Vest',
      'Bike Light',
      'Camping Stove',
      'Dumbbell Set',
      'Resistance Bands',
      'Climbing Chalk Bag',
      'Rain Jacket',
      'Trail Gaiters',
      'Foam Roller',
      'Camp Chair',
      'Dry Bag',
    ],
    variants: ['20 L', '35 L', '1-Person', '2-Person', 'S/M', 'L/XL', 'Orange', 'Forest Green', 'Navy', 'Pair'],
    blurbs: [
      'Field-tested in wind, rain and snow.',
      'Packs down small and weighs next to nothing.',
      'Built for weekends outside and daily training alike.',
    ],
  },
  {
    name: 'Toys & Games',
    code: 'TOY',
    share: 0.9,
    appeal: 0.8,
    price: { median: 24, sigma: 0.6, min: 4, max: 220 },
    bulk: false,
    adjectives: [
      'Wooden',
      'Magnetic',
      'Cooperative',
      'Classic',
      'Glow-in-the-Dark',
      'Educational',
      'Plush',
      'Strategy',
      'Pocket',
      'Giant',
      'Musical',
      'Rainbow',
    ],
    nouns: [
      'Building Blocks',
      'Puzzle',
      'Board Game',
      'Card Game',
      'Train Set',
      'Marble Run',
      'Stacking Rings',
      'Dollhouse',
      'Kite',
      'Science Kit',
      'Teddy Bear',
      'Dinosaur Figures',
      'Racing Cars',
      'Art Set',
      'Dominoes',
      'Chess Set',
      'Play Tent',
      'Memory Game',
    ],
    variants: ['500 Pieces', '1000 Pieces', 'Ages 3+', 'Ages 8+', 'Family Edition', 'Travel Size', 'Deluxe', 'Starter Set', 'Expansion'],
    blurbs: [
      'Safety tested and free of BPA and phthalates.',
      'Hours of play for the whole family.',
      'Encourages creativity, patience and fine motor skills.',
    ],
  },
  {
    name: 'Beauty',
    code: 'BEA',
    share: 0.9,
    appeal: 0.9,
    price: { median: 15, sigma: 0.6, min: 3, max: 150 },
    bulk: false,
    adjectives: [
      'Hydrating',
      'Organic',
      'Gentle',
      'Soothing',
      'Brightening',
      'Fragrance-Free',
      'Nourishing',
      'Matte',
      'Vegan',
      'Revitalising',
      'Mineral',
      'Botanical',
    ],
    nouns: [
      'Face Cream',
      'Cleanser',
      'Serum',
      'Lip Balm',
      'Shampoo',
      'Conditioner',
      'Body Lotion',
      'Hand Cream',
      'Sunscreen SPF 50',
      'Face Mask',
      'Eye Cream',
      'Body Wash',
      'Nail Polish',
      'Mascara',
      'Toner',
      'Hair Oil',
      'Bath Salts',
      'Deodorant',
    ],
    variants: ['30 ml', '50 ml', '100 ml', '250 ml', 'Travel Size', 'Refill', 'Duo Pack', 'Rose', 'Lavender', 'Citrus'],
    blurbs: [
      'Dermatologically tested and suitable for sensitive skin.',
      'Cruelty-free, in recyclable packaging.',
      'A small daily ritual that makes a difference.',
    ],
  },
  {
    name: 'Grocery',
    code: 'GRO',
    share: 1.0,
    appeal: 1.0,
    price: { median: 5, sigma: 0.55, min: 1, max: 45 },
    bulk: true,
    adjectives: [
      'Organic',
      'Roasted',
      'Wholegrain',
      'Cold-Pressed',
      'Fair Trade',
      'Smoked',
      'Spicy',
      'Sea-Salted',
      'Sun-Dried',
      'Aged',
      'Wildflower',
      'Stone-Ground',
    ],
    nouns: [
      'Coffee Beans',
      'Green Tea',
      'Olive Oil',
      'Pasta',
      'Dark Chocolate',
      'Granola',
      'Honey',
      'Peanut Butter',
      'Basmati Rice',
      'Tomato Sauce',
      'Almonds',
      'Oat Biscuits',
      'Balsamic Vinegar',
      'Hot Sauce',
      'Crackers',
      'Muesli',
      'Spice Blend',
      'Sparkling Water',
    ],
    variants: ['250 g', '500 g', '1 kg', '500 ml', '750 ml', '6-Pack', '12-Pack', 'Family Size', 'Single Origin'],
    blurbs: [
      'Sourced from small producers and packed fresh.',
      'A pantry staple with a long shelf life.',
      'No artificial colours, flavours or preservatives.',
    ],
  },
  {
    name: 'Garden',
    code: 'GAR',
    share: 0.8,
    appeal: 0.7,
    price: { median: 28, sigma: 0.75, min: 3, max: 480 },
    bulk: false,
    adjectives: [
      'Heavy-Duty',
      'Galvanised',
      'Terracotta',
      'Solar',
      'Weatherproof',
      'Ergonomic',
      'Self-Watering',
      'Raised',
      'Hardwood',
      'Hanging',
      'Expandable',
      'Heirloom',
    ],
    nouns: [
      'Planter',
      'Pruning Shears',
      'Garden Hose',
      'Watering Can',
      'Seed Collection',
      'Bird Feeder',
      'Compost Bin',
      'Garden Gloves',
      'Trowel Set',
      'Lanterns',
      'Bench',
      'Trellis',
      'Wheelbarrow',
      'Rain Barrel',
      'Herb Kit',
      'String Lights',
      'Kneeler',
      'Bulb Planter',
    ],
    variants: ['Small', 'Large', '15 m', '30 m', 'Set of 3', 'Set of 5', 'Green', 'Slate', 'Natural', 'XL'],
    blurbs: [
      'UV-stable and frost-resistant for year-round use.',
      'Makes gardening easier on the back and hands.',
      'For balconies, patios and allotments.',
    ],
  },
  {
    name: 'Music',
    code: 'MUS',
    share: 0.7,
    appeal: 0.6,
    price: { median: 22, sigma: 0.9, min: 5, max: 900 },
    bulk: false,
    adjectives: [
      'Acoustic',
      'Vintage',
      'Studio',
      'Live',
      'Remastered',
      'Electric',
      'Deluxe',
      'Handmade',
      'Classic',
      'Portable',
      'Analog',
      'Jazz',
    ],
    nouns: [
      'Vinyl Record',
      'Guitar Strings',
      'Ukulele',
      'Microphone',
      'Audio Interface',
      'Headphone Amp',
      'Metronome',
      'Capo',
      'Drumsticks',
      'Harmonica',
      'Keyboard Stand',
      'Sheet Music Collection',
      'Guitar Tuner',
      'Cajon',
      'Guitar Strap',
      'MIDI Controller',
      'Record Cleaner',
      'Concert DVD',
    ],
    variants: ['180 g', 'Double LP', 'Light Gauge', 'Medium Gauge', 'Sunburst', 'Natural', 'Black', 'Beginner Bundle', 'Limited Edition'],
    blurbs: [
      'Chosen by working musicians and committed listeners.',
      'Warm, detailed sound that rewards careful listening.',
      'Carefully packed to arrive in perfect condition.',
    ],
  },
  {
    name: 'Clothing',
    code: 'CLO',
    share: 1.1,
    appeal: 1.1,
    price: { median: 35, sigma: 0.6, min: 6, max: 320 },
    bulk: false,
    adjectives: [
      'Merino',
      'Organic Cotton',
      'Linen',
      'Relaxed',
      'Slim-Fit',
      'Recycled',
      'Quilted',
      'Cashmere-Blend',
      'Everyday',
      'Heavyweight',
      'Stretch',
      'Classic',
    ],
    nouns: [
      'T-Shirt',
      'Hoodie',
      'Jeans',
      'Wool Socks',
      'Beanie',
      'Scarf',
      'Chinos',
      'Oxford Shirt',
      'Rain Coat',
      'Sneakers',
      'Cardigan',
      'Leggings',
      'Sweatpants',
      'Polo Shirt',
      'Down Vest',
      'Baseball Cap',
      'Pyjama Set',
      'Leather Belt',
    ],
    variants: ['XS', 'S', 'M', 'L', 'XL', 'Navy', 'Oatmeal', 'Olive', 'Black', '3-Pack'],
    blurbs: [
      'Cut for comfort and made to be worn often.',
      'Responsibly made from certified materials.',
      'Machine washable; keeps its shape wash after wash.',
    ],
  },
  {
    name: 'Pet Supplies',
    code: 'PET',
    share: 0.7,
    appeal: 0.7,
    price: { median: 14, sigma: 0.7, min: 2, max: 210 },
    bulk: true,
    adjectives: [
      'Grain-Free',
      'Orthopaedic',
      'Chew-Proof',
      'Interactive',
      'Reflective',
      'Natural',
      'Washable',
      'Automatic',
      'Calming',
      'Dental',
      'Senior',
      'Puppy',
    ],
    nouns: [
      'Dog Food',
      'Cat Food',
      'Dog Bed',
      'Cat Scratcher',
      'Leash',
      'Harness',
      'Chew Toy',
      'Cat Litter',
      'Treats',
      'Water Fountain',
      'Grooming Brush',
      'Carrier',
      'Feeding Bowl',
      'Puzzle Feeder',
      'Collar',
      'Shampoo',
      'Aquarium Filter',
      'Bird Seed',
    ],
    variants: ['Small', 'Medium', 'Large', '2 kg', '7 kg', '12-Pack', 'Chicken', 'Salmon', 'Lamb', 'Twin Pack'],
    blurbs: [
      'Vet-approved and loved by picky eaters and chewers.',
      'Easy to clean and built to survive enthusiastic use.',
      'Made with the welfare of pets and owners in mind.',
    ],
  },
  {
    name: 'Office',
    code: 'OFF',
    share: 0.8,
    appeal: 0.7,
    price: { median: 9, sigma: 0.8, min: 1, max: 600 },
    bulk: true,
    adjectives: [
      'Recycled',
      'Refillable',
      'Ergonomic',
      'Dotted',
      'Magnetic',
      'Adjustable',
      'Premium',
      'Archival',
      'Fine-Tip',
      'A5',
      'A4',
      'Desktop',
    ],
    nouns: [
      'Notebook',
      'Gel Pens',
      'Fountain Pen',
      'Desk Organiser',
      'Sticky Notes',
      'Stapler',
      'Highlighters',
      'Planner',
      'Whiteboard',
      'File Folders',
      'Monitor Riser',
      'Desk Chair',
      'Paper Ream',
      'Label Maker',
      'Pencil Case',
      'Bookends',
      'Envelopes',
      'Calculator',
    ],
    variants: ['Black', 'Blue', 'Assorted', '5-Pack', '10-Pack', '100 Sheets', '500 Sheets', 'Weekly', 'Undated', 'Pastel'],
    blurbs: [
      'Dependable tools for desks at home and at work.',
      'Made from responsibly sourced materials.',
      'Helps keep notes, plans and paperwork in order.',
    ],
  },
];

/** Collection (co-purchase cluster) line names; shared by the related items of one collection. */
const LINE_NAMES = [
  'Aurora',
  'Bramble',
  'Cascade',
  'Driftwood',
  'Ember',
  'Fjord',
  'Granite',
  'Harbor',
  'Indigo',
  'Juniper',
  'Kestrel',
  'Lumen',
  'Meadow',
  'Nimbus',
  'Orchard',
  'Pebble',
  'Quarry',
  'Ridge',
  'Saffron',
  'Tundra',
  'Umber',
  'Vale',
  'Willow',
  'Yarrow',
  'Zephyr',
  'Alder',
  'Birch',
  'Cedar',
  'Dune',
  'Elm',
  'Fern',
  'Grove',
  'Heath',
  'Isle',
  'Jasper',
  'Kelp',
  'Larch',
  'Moss',
  'North',
  'Onyx',
  'Pine',
  'Quill',
  'Rowan',
  'Sorrel',
  'Thistle',
  'Urchin',
  'Verbena',
  'Wren',
  'Yew',
  'Zinnia',
];

const FIRST_NAMES = [
  'Emma',
  'Liam',
  'Olivia',
  'Noah',
  'Sophie',
  'Lucas',
  'Mia',
  'Elias',
  'Hannah',
  'Leon',
  'Lea',
  'Paul',
  'Clara',
  'Felix',
  'Marie',
  'Jonas',
  'Anna',
  'Ben',
  'Lena',
  'Finn',
  'Ella',
  'Julian',
  'Ida',
  'Max',
  'Zoë',
  'Mateo',
  'Chloé',
  'Hugo',
  'Inès',
  'Louis',
  'Camille',
  'Arthur',
  'Giulia',
  'Lorenzo',
  'Sofia',
  'Marco',
  'Lucía',
  'Pablo',
  'Carmen',
  'Diego',
  'Sanne',
  'Daan',
  'Freya',
  'Søren',
  'Ingrid',
  'Mikael',
  'Aoife',
  'Cian',
  'Siobhán',
  'Oisín',
  'Zofia',
  'Jakub',
  'Eva',
  'Tomás',
  'Maja',
  'Nikolai',
  'Amara',
  'Kwame',
  'Yasmin',
  'Omar',
  'Priya',
  'Arjun',
  'Mei',
  'Kenji',
  'Aylin',
  'Emre',
  'Nora',
  'Theo',
  'Alice',
  'Oscar',
];

const LAST_NAMES = [
  'Müller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Meyer',
  'Wagner',
  'Becker',
  'Hoffmann',
  'Koch',
  'Dubois',
  'Martin',
  'Bernard',
  'Moreau',
  'Laurent',
  'Rossi',
  'Russo',
  'Bianchi',
  'Romano',
  'Ricci',
  'García',
  'Fernández',
  'López',
  'Martínez',
  'Sánchez',
  'de Vries',
  'Jansen',
  'van Dijk',
  'Bakker',
  'Visser',
  'Nielsen',
  'Hansen',
  'Andersson',
  'Johansson',
  'Lindqvist',
  "O'Brien",
  'Murphy',
  'Kelly',
  "O'Sullivan",
  'Walsh',
  'Kowalski',
  'Nowak',
  'Novák',
  'Horváth',
  'Popescu',
  'Papadopoulos',
  'Silva',
  'Santos',
  'Costa',
  'Oliveira',
  'Yılmaz',
  'Kaya',
  'Nguyen',
  'Tanaka',
  'Kim',
  'Patel',
  'Okafor',
  'Mensah',
  'Haddad',
  'Cohen',
];

const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.com'];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Width of zero-padded ids: at least `min` digits, more when the count needs them. */
function idWidth(count: number, min: number): number {
  return Math.max(min, String(Math.max(count, 1)).length);
}

/** Lower-case ASCII for e-mail local parts ("Zoë O'Brien" → "zoe", "obrien"). */
function emailPart(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/gi, 'o')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** Splits `total` over weights by largest remainder, giving every bucket at least `floor` when possible. */
function apportion(total: number, weights: readonly number[], floor: number): number[] {
  const n = weights.length;
  const base = total >= floor * n ? floor : 0;
  const rest = total - base * n;
  const sum = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (rest * w) / sum);
  const counts = exact.map((x) => base + Math.floor(x));
  let left = total - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) counts[order[k].i]++;
  return counts;
}

/** A price in cents ending in .99, .49 or .95 like a shop would set it. */
function shopPrice(random: Random, spec: CategorySpec['price']): number {
  const euros = Math.min(spec.max, Math.max(spec.min, random.logNormal(spec.median, spec.sigma)));
  const whole = Math.max(0, Math.floor(euros));
  const cents = whole >= 100 ? 0 : random.weighted([99, 49, 95, 0], [6, 2, 1, 1]);
  const amount = whole >= 100 ? Math.round(whole / 5) * 500 - 1 : whole * 100 + cents;
  return Math.max(99, amount);
}

function validate(options: SeedOptions): void {
  for (const key of ['users', 'products', 'orders'] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < 0) throw new Error(`generateSeed: ${key} must be a non-negative integer, got ${value}`);
  }
  if (!Number.isFinite(options.seed)) throw new Error(`generateSeed: seed must be a finite number, got ${options.seed}`);
  if (options.orders > 0 && (options.users === 0 || options.products === 0)) {
    throw new Error('generateSeed: orders need at least one user and one product');
  }
  if (options.now !== undefined && Number.isNaN(options.now.getTime())) throw new Error('generateSeed: now is an invalid Date');
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

interface DraftProduct {
  category: number;
  collection: number;
  name: string;
  description: string;
  priceAmount: number;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
  popularity: number;
  id: string;
}

interface Collection {
  id: string;
  name: string;
  category: number;
  members: number[]; // indices into products
  table?: WeightedTable<number>;
  weight: number;
}

export function generateSeed(input: SeedOptions): SeedData {
  validate(input);
  const now = input.now ?? SEED_REFERENCE_NOW;
  const options: Required<SeedOptions> = { seed: input.seed, users: input.users, products: input.products, orders: input.orders, now };
  const nowMs = now.getTime();
  const root = new Random(options.seed);

  // ---- catalogue ------------------------------------------------------------------------------
  const rCat = root.fork('catalogue');
  const perCategory = apportion(
    options.products,
    CATEGORIES.map((c) => c.share),
    1,
  );
  const drafts: DraftProduct[] = [];
  const collections: Collection[] = [];
  const usedNames = new Set<string>();
  const linesUsed = new Map<string, number>();

  CATEGORIES.forEach((spec, categoryIndex) => {
    let remaining = perCategory[categoryIndex];
    const adjectives = rCat.shuffle(spec.adjectives);
    let adjectiveCursor = 0;
    while (remaining > 0) {
      // Collections of 5–10 (smaller only when a category has fewer than 5 products).
      let size = remaining <= 10 ? remaining : rCat.int(5, 10);
      if (remaining - size > 0 && remaining - size < 5) size = remaining - 5;
      remaining -= size;
      const line = rCat.pick(LINE_NAMES);
      const lineCount = (linesUsed.get(`${spec.code}:${line}`) ?? 0) + 1;
      linesUsed.set(`${spec.code}:${line}`, lineCount);
      const lineName =
        lineCount === 1 ? line : `${line} ${['', '', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'][lineCount] ?? lineCount}`;
      // A collection shares its adjective (its look or material) and uses distinct nouns.
      const adjective = adjectives[adjectiveCursor++ % adjectives.length];
      const nouns = rCat.sample(spec.nouns, size);
      const collection: Collection = {
        id: `collection-${spec.code.toLowerCase()}-${pad(collections.length + 1, 3)}`,
        name: lineName,
        category: categoryIndex,
        members: [],
        weight: 0,
      };
      for (let k = 0; k < size; k++) {
        const noun = nouns[k % nouns.length];
        let name = '';
        for (let attempt = 0; attempt < 12; attempt++) {
          const candidate = `${adjective} ${noun} – ${rCat.pick(spec.variants)}`;
          if (!usedNames.has(candidate)) {
            name = candidate;
            break;
          }
        }
        if (!name) {
          let n = 2;
          while (usedNames.has(`${adjective} ${noun} – ${lineName} No. ${n}`)) n++;
          name = `${adjective} ${noun} – ${lineName} No. ${n}`;
        }
        usedNames.add(name);
        const createdAt = new Date(nowMs - Math.floor(rCat.float(380, 1100) * DAY));
        const updatedAt = new Date(Math.min(nowMs - DAY, createdAt.getTime() + Math.floor(rCat.float(0, 400) * DAY)));
        const stockRoll = rCat.next();
        const stock = stockRoll < 0.03 ? 0 : stockRoll < 0.07 ? rCat.int(1, 19) : Math.round(20 + 480 * Math.pow(rCat.next(), 1.6));
        const description = `${adjective} ${noun} from the ${lineName} collection. ${rCat.pick(spec.blurbs)}`;
        collection.members.push(drafts.length);
        drafts.push({
          category: categoryIndex,
          collection: collections.length,
          name,
          description,
          priceAmount: shopPrice(rCat, spec.price),
          stock,
          createdAt,
          updatedAt: updatedAt < createdAt ? createdAt : updatedAt,
          popularity: 0,
          id: '',
        });
      }
      collections.push(collection);
    }
  });

  // Zipf-like popularity within each category: a random rank per product, weight 1 / rank^0.9.
  const categoryProducts: number[][] = CATEGORIES.map(() => []);
  drafts.forEach((p, i) => categoryProducts[p.category].push(i));
  const rPop = root.fork('popularity');
  for (const members of categoryProducts) {
    rPop.shuffle(members).forEach((productIndex, rank) => {
      drafts[productIndex].popularity = 1 / Math.pow(rank + 1, 0.9);
    });
  }
  for (const c of collections) {
    c.weight = c.members.reduce((s, i) => s + drafts[i].popularity, 0);
    c.table = new WeightedTable(
      c.members,
      c.members.map((i) => drafts[i].popularity),
    );
  }

  // Ids in a shuffled order, so product-00001.. are not all books; SKU numbers follow the id.
  const productWidth = idWidth(drafts.length, 5);
  const skuWidth = idWidth(drafts.length, 6);
  const idOrder = root.fork('product-ids').shuffle(drafts.map((_, i) => i));
  const products: SeedProduct[] = new Array(drafts.length);
  idOrder.forEach((draftIndex, position) => {
    const d = drafts[draftIndex];
    d.id = `product-${pad(position + 1, productWidth)}`;
    products[position] = {
      id: d.id,
      sku: `SKU-${CATEGORIES[d.category].code}-${pad(position + 1, skuWidth)}`,
      name: d.name,
      description: d.description,
      category: CATEGORIES[d.category].name,
      priceAmount: d.priceAmount,
      currency: SEED_CURRENCY,
      stock: d.stock,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    };
  });

  const categoryTables = categoryProducts.map((members) =>
    members.length > 0
      ? new WeightedTable(
          members,
          members.map((i) => drafts[i].popularity),
        )
      : undefined,
  );
  const globalTable =
    drafts.length > 0
      ? new WeightedTable(
          drafts.map((_, i) => i),
          drafts.map((d) => d.popularity),
        )
      : undefined;
  const stocked = CATEGORIES.map((_, i) => categoryProducts[i].length > 0);

  // ---- users and their taste ------------------------------------------------------------------
  const rUsers = root.fork('users');
  const userWidth = idWidth(options.users, 4);
  const emails = new Set<string>();
  interface DraftUser {
    id: string;
    name: string;
    email: string;
    createdAt: Date;
    taste: number[];
    tasteTable?: WeightedTable<number>;
    preferred: number[];
    favoriteCollections: number[];
    activity: number;
    orderCount: number;
  }
  const draftUsers: DraftUser[] = [];
  const availableCategories = CATEGORIES.map((_, i) => i).filter((i) => stocked[i]);
  for (let u = 0; u < options.users; u++) {
    const first = rUsers.pick(FIRST_NAMES);
    const last = rUsers.pick(LAST_NAMES);
    const domain = rUsers.weighted(EMAIL_DOMAINS, [5, 2, 2, 1]);
    const local = `${emailPart(first)}.${emailPart(last)}`;
    let email = `${local}@${domain}`;
    for (let n = 2; emails.has(email); n++) email = `${local}${n}@${domain}`;
    emails.add(email);
    // Sign-ups spread over the last two years, growing towards the present.
    const daysAgo = 730 * Math.pow(rUsers.next(), 1.3) + 1;
    const createdAt = new Date(nowMs - Math.floor(daysAgo * DAY) - rUsers.int(0, DAY / 1000 - 1) * 1000);

    // Taste: 1–3 favourite categories (weighted by appeal) carry 85–95 % of the preference.
    const taste = CATEGORIES.map(() => 0);
    const preferred: number[] = [];
    if (availableCategories.length > 0) {
      const k = Math.min(availableCategories.length, 1 + rUsers.weightedIndex([0.3, 0.45, 0.25]));
      const pool = availableCategories.slice();
      for (let j = 0; j < k; j++) {
        const idx = rUsers.weightedIndex(pool.map((c) => CATEGORIES[c].appeal));
        preferred.push(pool[idx]);
        pool.splice(idx, 1);
      }
      const split = rUsers.dirichlet(preferred.map(() => 2));
      const focus = rUsers.float(0.85, 0.95);
      for (const c of availableCategories) taste[c] = (1 - focus) / availableCategories.length;
      preferred.forEach((c, j) => (taste[c] += focus * split[j]));
      // Strongest first.
      preferred.sort((a, b) => taste[b] - taste[a] || a - b);
    }
    // Two to four favourite collections inside the preferred categories.
    const favoriteCollections: number[] = [];
    const candidateCollections = collections.map((c, i) => ({ c, i })).filter(({ c }) => preferred.includes(c.category));
    const nFav = Math.min(candidateCollections.length, rUsers.int(2, 4));
    const favPool = candidateCollections.slice();
    for (let j = 0; j < nFav; j++) {
      const idx = rUsers.weightedIndex(favPool.map(({ c }) => c.weight * taste[c.category]));
      favoriteCollections.push(favPool[idx].i);
      favPool.splice(idx, 1);
    }
    // Activity: gamma-distributed (heavy buyers exist), scaled by how long the user could buy.
    const activeDays = Math.min(365, daysAgo);
    const activity = rUsers.gamma(0.8) * (0.15 + activeDays / 365);
    draftUsers.push({
      id: `user-${pad(u + 1, userWidth)}`,
      name: `${first} ${last}`,
      email,
      createdAt,
      taste,
      tasteTable:
        availableCategories.length > 0
          ? new WeightedTable(
              CATEGORIES.map((_, i) => i),
              taste,
            )
          : undefined,
      preferred,
      favoriteCollections,
      activity,
      orderCount: 0,
    });
  }

  // ---- orders ---------------------------------------------------------------------------------
  const rOrders = root.fork('orders');
  interface DraftOrder {
    user: number;
    at: number;
    items: Array<{ product: number; quantity: number }>;
    status: OrderStatus;
    seq: number;
  }
  const draftOrders: DraftOrder[] = [];
  if (options.orders > 0) {
    const userTable = new WeightedTable(
      draftUsers.map((_, i) => i),
      draftUsers.map((u) => u.activity + 1e-9),
    );
    const pickProduct = (user: DraftUser): number => {
      const category = user.tasteTable ? user.tasteTable.draw(rOrders) : rOrders.pick(availableCategories);
      const table = categoryTables[category] ?? globalTable!;
      return table.draw(rOrders);
    };
    for (let o = 0; o < options.orders; o++) {
      const userIndex = userTable.index(rOrders);
      const user = draftUsers[userIndex];
      user.orderCount++;
      const from = Math.max(user.createdAt.getTime() + 60_000, nowMs - 365 * DAY);
      const to = nowMs - 60_000;
      const at = Math.floor(from + rOrders.next() * Math.max(0, to - from));

      const wanted = 1 + rOrders.weightedIndex([0.48, 0.3, 0.14, 0.08]);
      const chosen: number[] = [];
      // The first item: from a favourite collection now and then, else by taste and popularity.
      const anchor =
        user.favoriteCollections.length > 0 && rOrders.chance(0.3)
          ? collections[rOrders.pick(user.favoriteCollections)].table!.draw(rOrders)
          : pickProduct(user);
      chosen.push(anchor);
      const anchorCollection = collections[drafts[anchor].collection];
      for (let attempts = 0; chosen.length < wanted && attempts < 20; attempts++) {
        const roll = rOrders.next();
        const candidate =
          roll < 0.62 ? anchorCollection.table!.draw(rOrders) : roll < 0.92 ? pickProduct(user) : globalTable!.draw(rOrders);
        if (!chosen.includes(candidate)) chosen.push(candidate);
      }
      const items = chosen.map((product) => {
        const bulk = CATEGORIES[drafts[product].category].bulk;
        const quantity = bulk
          ? [1, 2, 3, 4, 6][rOrders.weightedIndex([0.55, 0.25, 0.12, 0.05, 0.03])]
          : [1, 2, 3][rOrders.weightedIndex([0.85, 0.12, 0.03])];
        return { product, quantity };
      });
      // Recent orders are more often still awaiting payment.
      const recent = nowMs - at < 2 * DAY;
      const roll = rOrders.next();
      const status: OrderStatus = recent
        ? roll < 0.35
          ? 'PENDING_PAYMENT'
          : 'PAID'
        : roll < 0.05
          ? 'PENDING_PAYMENT'
          : roll < 0.08
            ? 'REFUNDED'
            : 'PAID';
      draftOrders.push({ user: userIndex, at, items, status, seq: o });
    }
  }
  draftOrders.sort((a, b) => a.at - b.at || a.seq - b.seq);

  const orderWidth = idWidth(draftOrders.length, 6);
  const itemCount = draftOrders.reduce((s, o) => s + o.items.length, 0);
  const itemWidth = idWidth(itemCount, 7);
  const paymentCount = draftOrders.filter((o) => o.status !== 'PENDING_PAYMENT').length;
  const paymentWidth = idWidth(paymentCount, 6);
  const rPay = root.fork('payments');
  const orders: SeedOrder[] = [];
  const orderItems: SeedOrderItem[] = [];
  const payments: SeedPayment[] = [];
  const purchases: SeedPurchase[] = [];
  draftOrders.forEach((d, index) => {
    const user = draftUsers[d.user];
    const id = `order-${pad(index + 1, orderWidth)}`;
    const createdAt = new Date(d.at);
    let total = 0;
    for (const item of d.items) {
      const product = drafts[item.product];
      total += item.quantity * product.priceAmount;
      orderItems.push({
        id: `order-item-${pad(orderItems.length + 1, itemWidth)}`,
        orderId: id,
        productId: product.id,
        quantity: item.quantity,
        unitPriceAmount: product.priceAmount,
        currency: SEED_CURRENCY,
      });
      if (d.status === 'PAID') {
        purchases.push({ orderId: id, productId: product.id, userId: user.id, quantity: item.quantity, purchasedAt: createdAt });
      }
    }
    orders.push({
      id,
      userId: user.id,
      status: d.status,
      totalAmount: total,
      currency: SEED_CURRENCY,
      idempotencyKey: `seed-${id}`,
      createdAt,
    });
    if (d.status !== 'PENDING_PAYMENT') {
      const paidAt = new Date(Math.min(nowMs - 1, d.at + rPay.int(3, 90) * 1000));
      const updatedAt =
        d.status === 'REFUNDED' ? new Date(Math.min(nowMs - 1, paidAt.getTime() + Math.floor(rPay.float(1, 21) * DAY))) : paidAt;
      payments.push({
        id: `payment-${pad(payments.length + 1, paymentWidth)}`,
        orderId: id,
        userId: user.id,
        amount: total,
        currency: SEED_CURRENCY,
        status: d.status === 'REFUNDED' ? 'REFUNDED' : 'CAPTURED',
        method: SEED_PAYMENT_METHOD,
        failureReason: null,
        idempotencyKey: `seed-${id}`,
        createdAt: paidAt,
        updatedAt,
      });
    }
  });

  // ---- segments from order counts -------------------------------------------------------------
  // NEW: at most one order; VIP: at least 2.5× the average (and at least 6); REGULAR otherwise.
  const mean = options.users > 0 ? options.orders / options.users : 0;
  const vipThreshold = Math.max(6, Math.ceil(2.5 * mean));
  const users: SeedUser[] = draftUsers.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    segment: u.orderCount <= 1 ? 'NEW' : u.orderCount >= vipThreshold ? 'VIP' : 'REGULAR',
    createdAt: u.createdAt,
  }));

  const truth: SeedTruth = {
    tastes: draftUsers.map((u) => ({
      userId: u.id,
      preferred: u.preferred.map((c) => CATEGORIES[c].name),
      weights: Object.fromEntries(CATEGORIES.map((c, i) => [c.name, u.taste[i]])),
      favoriteCollections: u.favoriteCollections.map((c) => collections[c].id),
    })),
    collections: collections.map((c) => ({
      id: c.id,
      name: c.name,
      category: CATEGORIES[c.category].name,
      productIds: c.members.map((i) => drafts[i].id),
    })),
    popularity: Object.fromEntries(drafts.map((d) => [d.id, d.popularity])),
  };

  return { options, users, products, orders, orderItems, payments, purchases, truth };
}
