import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { catchUpSchema, pageTimeoutSchema, placeholdersSchema } from './code-blocks/page-frontmatter.ts';

/**
 * Every page of the site is an MDX (or Markdown) file under docs/; a folder is a sidebar section
 * (its `_section.json` gives the section's title and order).
 */
const docs = defineCollection({
  loader: glob({ pattern: '**/*.{md,mdx}', base: './docs' }),
  schema: z.object({
    title: z.string(),
    description: z.string().optional(),
    /** Position in the sidebar and in previous/next order; lower comes first. */
    order: z.number().default(100),
    /** The `<name>` placeholders of the page's runnable blocks, each with its test value. */
    placeholders: placeholdersSchema,
    /** Run timeout in seconds for the page's blocks that set none. */
    timeout: pageTimeoutSchema,
    /** Workshop: a script that leaves the sandbox as the previous pages would ("Catch me up"). */
    catchUp: catchUpSchema,
  }),
});

export const collections = { docs };
