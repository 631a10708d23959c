# One image for every Skiff component: `skiff run <component>` picks which one a container runs.
FROM node:20-bookworm-slim AS build
WORKDIR /skiff
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.protocol.json biome.json ./
COPY scripts ./scripts
COPY protocol ./protocol
COPY actors ./actors
COPY cli ./cli
COPY integration ./integration
COPY bench ./bench
COPY bin ./bin
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /skiff
ENV NODE_ENV=production
COPY --from=build /skiff/package.json ./
COPY --from=build /skiff/node_modules ./node_modules
COPY --from=build /skiff/dist ./dist
COPY --from=build /skiff/bin ./bin
COPY --from=build /skiff/oclif.manifest.json ./
ENTRYPOINT ["node", "--max-old-space-size=256", "/skiff/bin/run.js"]
