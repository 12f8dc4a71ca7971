# Command-line tests for ecoplan train and ecoplan models.
. "$(dirname "$0")/lib.sh"
small=synthetic:users=200,items=150,inters=4000,seed=3

ok "models lists all" 0 '^slimelastic +traditional' "" -- models
ok "models lists bpr" 0 '^bpr +trained +embedding_size=64' "" -- models
ok "models json" 0 '"optimizer":[[:space:]]*"adam"' "" -- models --json
ok "models takes no argument" 2 "" 'unexpected argument' -- models bpr
ok "pop trains" 0 '^converged after 1 epoch \(best 1\): test mrr@10 0\.[0-9]+' "" -- train -d "$small" pop
ok "bpr epochs" 0 '^epoch +2  loss' "" -- train -d "$small" --epochs 2 bpr
ok "traditional converge" 0 'after 1 epoch' "" -- train -d "$small" --converge ease
ok "metrics option" 0 'gauc [0-9.]+' "" -- train -d "$small" --metrics gauc,ndcg@5 itemknn
ok "json output" 0 '"best_epoch":' "" -- train -d "$small" --epochs 1 --json bpr
ok "set option" 0 'test mrr@10' "" -- train -d "$small" --epochs 1 --set embedding_size=8 --set optimizer=lazy_adam fism
ok "neumf trains" 0 '^epoch +1  loss' "" -- train -d "$small" --epochs 1 --set mlp_hidden_size_1=16 --set mlp_hidden_size_2=8 neumf
ok "multivae trains" 0 '^epoch +1  loss' "" -- train -d "$small" --epochs 1 --set mlp_hidden_size=32 multivae
ok "odd latent dimension" 2 "" 'latent_dimension: 7: expected an even number' -- train -d "$small" --set latent_dimension=7 multivae
ok "no model" 2 "" 'train: which model' -- train
ok "two models" 2 "" 'one model at a time' -- train bpr fism
ok "unknown model" 2 "" "^ecoplan: bprr: unknown model; did you mean 'bpr'\?" -- train bprr
ok "unknown key" 2 "" "'colour': unknown key \(valid keys: embedding_size" -- train --set colour=red bpr
ok "bad value" 2 "" "embedding_size: '-3': must not be negative" -- train --set embedding_size=-3 bpr
ok "bad choice" 2 "" "optimizer: 'sgd': expected one of adam" -- train --set optimizer=sgd bpr
ok "key for another model" 2 "" "'k': unknown key" -- train --set k=5 bpr
ok "epochs and converge" 2 "" 'exclude each other' -- train --epochs 3 --converge bpr
ok "bad epochs" 2 "" "--epochs: '0': out of range" -- train --epochs 0 bpr
ok "nan epochs" 2 "" "--epochs: 'nan': not a finite number" -- train --epochs nan bpr
ok "bad metric" 2 "" "--metrics: 'auc': unknown metric" -- train --metrics auc bpr
ok "bad split" 2 "" "--split: 'x': unknown split" -- train --split x bpr
ok "missing dataset" 1 "" 'nope.csv: No such file' -- train -d nope.csv pop
check "train usage matches SYNOPSIS" same_usage train

done_testing
