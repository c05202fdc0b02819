import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

/** Every page of the site is an MDX (or Markdown) file in the top-level docs/ folder. */
const docs = defineCollection({
  loader: glob({ pattern: '**/*.{md,mdx}', base: './docs' }),
  schema: z.object({
    title: z.string(),
    description: z.string().optional(),
    /** Position in the sidebar and in previous/next order; lower comes first. */
    order: z.number().default(100),
  }),
});

export const collections = { docs };
