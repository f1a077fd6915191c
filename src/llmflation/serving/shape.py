"""Per-model quantities the physics model needs, derived from an Architecture (config.json shapes).

Formulas follow the research brief (shared/research/serving-model.md §1): SwiGLU FFN = 3·d·d_ff per layer; MoE
layers hold E routed experts (+ shared experts and a d·E router); GQA KV cache = 2·h_kv·d_h per layer and
token;
MLA caches the compressed latent (kv_lora_rank + rope dim) per layer and token.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmflation.serving.catalog import Architecture


@dataclass(frozen=True, slots=True)
class Shape:
    arch: str
    layers: int
    hidden: int
    vocab: int
    heads: int
    kv_heads: int
    attn_params: float  # per layer (Q, K, V, O projections; MLA down/up projections)
    dense_layers: int  # layers with a dense FFN
    dense_ffn_params: float  # per dense layer
    moe_layers: int
    experts: int
    experts_active: int
    expert_params: float  # per routed expert per layer
    shared_params: float  # per MoE layer: shared experts + router
    lm_head_params: float
    embed_params: float  # 0 when tied to the LM head
    kv_elems_per_layer: float  # cached elements per token per layer
    kv_split: int  # how many ways the KV cache can be sharded by tensor parallelism (1 for MLA: replicated)
    full_layers: int  # layers with full attention
    window_layers: int  # layers with sliding-window attention
    window: int
    attn_flops_decode: float  # FLOPs per query token per cached position per layer
    attn_flops_prefill: float
    act_elems_replicated: float  # activation elements read+written per token per layer, same on every TP rank
    act_elems_split: float  # ... and those sharded by TP (FFN intermediates, Q/K/V, attention output)

    @property
    def params_total(self) -> float:
        return (
            self.layers * self.attn_params
            + self.dense_layers * self.dense_ffn_params
            + self.moe_layers * (self.experts * self.expert_params + self.shared_params)
            + self.lm_head_params
            + self.embed_params
        )

    @property
    def params_active(self) -> float:
        """Parameters used per token, LM head included, embedding lookup excluded."""
        return (
            self.layers * self.attn_params
            + self.dense_layers * self.dense_ffn_params
            + self.moe_layers * (self.experts_active * self.expert_params + self.shared_params)
            + self.lm_head_params
        )

    @property
    def static_params(self) -> float:
        """Weights every decode step reads whatever the batch: all but the routed experts."""
        return (
            self.layers * self.attn_params
            + self.dense_layers * self.dense_ffn_params
            + self.moe_layers * self.shared_params
            + self.lm_head_params
        )

    def kv_elems_per_token(self, context: float) -> float:
        """Cached elements per sequence position, averaged over a sequence of `context` tokens."""
        win = min(context, self.window) / context if self.window and context > 0 else 1.0
        return self.kv_elems_per_layer * (self.full_layers + self.window_layers * win)


def shape_of(a: Architecture) -> Shape:
    d = a.hidden
    if a.attention == "mla":
        q = (
            d * a.q_lora_rank + a.q_lora_rank * a.heads * (a.qk_nope_dim + a.qk_rope_dim)
            if a.q_lora_rank
            else d * a.heads * (a.qk_nope_dim + a.qk_rope_dim)
        )
        kv = d * (a.kv_lora_rank + a.qk_rope_dim) + a.kv_lora_rank * a.heads * (a.qk_nope_dim + a.v_head_dim)
        attn = q + kv + a.heads * a.v_head_dim * d
        kv_elems = float(a.kv_lora_rank + a.qk_rope_dim)
        kv_split = 1
        # absorbed decode: scores over the latent (+rope) and values from the latent
        dec = 2.0 * a.heads * (a.kv_lora_rank + a.qk_rope_dim) + 2.0 * a.heads * a.kv_lora_rank
        pre = 2.0 * a.heads * (a.qk_nope_dim + a.qk_rope_dim) + 2.0 * a.heads * a.v_head_dim
    else:
        hd = a.head_dim
        attn = d * a.heads * hd + 2 * d * a.kv_heads * hd + a.heads * hd * d
        kv_elems = 2.0 * a.kv_heads * hd
        kv_split = a.kv_heads
        dec = pre = 4.0 * a.heads * hd
    moe_layers = a.layers - a.dense_layers if a.is_moe else 0
    # Activation traffic of the unfused/elementwise kernels (norms, residual adds, RoPE, SwiGLU, attention
    # in/out):
    # ~8·d replicated elements per token per layer, plus 3 per FFN-intermediate element (gate, up, activated)
    # and 2 per Q/K/V/attention-output element.
    ffn_act = (a.layers - moe_layers) * a.ffn + moe_layers * a.moe_ffn * (a.experts_active + a.shared_experts)
    qkv = (
        a.heads * (a.qk_nope_dim + a.qk_rope_dim + a.v_head_dim)
        if a.attention == "mla"
        else (a.heads + 2 * a.kv_heads) * a.head_dim + a.heads * a.head_dim
    )
    act_split = 3.0 * ffn_act / a.layers + 2.0 * qkv
    return Shape(
        arch=a.id,
        layers=a.layers,
        hidden=d,
        vocab=a.vocab,
        heads=a.heads,
        kv_heads=a.kv_heads,
        attn_params=float(attn),
        dense_layers=a.layers - moe_layers,
        dense_ffn_params=3.0 * d * a.ffn,
        moe_layers=moe_layers,
        experts=a.experts,
        experts_active=a.experts_active,
        expert_params=3.0 * d * a.moe_ffn,
        shared_params=(3.0 * d * a.moe_ffn * a.shared_experts + d * a.experts) if a.is_moe else 0.0,
        lm_head_params=float(a.vocab * d),
        embed_params=0.0 if a.tied_embeddings else float(a.vocab * d),
        kv_elems_per_layer=kv_elems,
        kv_split=kv_split,
        full_layers=a.layers - a.sliding_layers,
        window_layers=a.sliding_layers,
        window=a.sliding_window,
        attn_flops_decode=dec,
        attn_flops_prefill=pre,
        act_elems_replicated=8.0 * d,
        act_elems_split=act_split,
    )
