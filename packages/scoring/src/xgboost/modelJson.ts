import { z } from 'zod';

/**
 * The part of XGBoost's `save_model` JSON (format of XGBoost 1.x to 3.x) that evaluation reads.
 * Fields that only training uses (loss changes, hessians, parents) are not required.
 */

const numericString = z.string().regex(/^-?\d+$/, 'an integer written as a string');

const treeJson = z.object({
  left_children: z.array(z.number().int()),
  right_children: z.array(z.number().int()),
  split_indices: z.array(z.number().int().nonnegative()),
  split_conditions: z.array(z.number()),
  default_left: z.array(z.union([z.number().int(), z.boolean()])),
  split_type: z.array(z.number().int()).optional(),
  categories_nodes: z.array(z.number().int()).optional(),
  tree_param: z.object({
    num_nodes: numericString,
    num_feature: numericString,
    size_leaf_vector: numericString.optional(),
    num_deleted: numericString.optional(),
  }),
});

export type XgbTreeJson = z.infer<typeof treeJson>;

export const xgbModelJson = z.object({
  version: z.array(z.number().int()).optional(),
  learner: z.object({
    feature_names: z.array(z.string()).optional(),
    learner_model_param: z.object({
      base_score: z.string(),
      num_class: numericString,
      num_feature: numericString,
      num_target: numericString.optional(),
    }),
    objective: z.object({ name: z.string() }),
    gradient_booster: z.object({
      name: z.string(),
      model: z
        .object({
          gbtree_model_param: z
            .object({ num_trees: numericString, num_parallel_tree: numericString.optional() })
            .optional(),
          tree_info: z.array(z.number().int().nonnegative()),
          trees: z.array(treeJson),
        })
        .optional(),
    }),
  }),
});

export type XgbModelJson = z.infer<typeof xgbModelJson>;
